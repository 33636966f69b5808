#pragma once

#include <chrono>

namespace oncegate {

struct Client;
class Form;
class JsonWriter;
struct Configuration;

// The catalog as one client sees it (GET /v1/catalog, /v1/forms, /v1/forms/{form}): the fields
// and forms it may use, with their metadata and what the policy decides for it, never data. Each
// decision is the gateway's own (PolicyExplanation::decide), so that the catalog never promises
// a field a request would be refused.
class ClientCatalog {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  ClientCatalog(const Configuration& config, const Client& client, TimePoint now)
      : config_(config), client_(client), now_(now) {}

  // "fields": every field the client may read or verify for at least one of its purposes, with
  // type, subject, description, sensitivity, department and per purpose the effect and mask.
  void writeFields(JsonWriter& json) const;
  // "forms": the forms of the client's purposes, with how many entries the gateway fills.
  void writeForms(JsonWriter& json) const;
  // The members of one form: its entries, each with who supplies it and, for the gateway's,
  // what the client gets.
  void writeForm(const Form& form, JsonWriter& json) const;

 private:
  const Configuration& config_;
  const Client& client_;
  TimePoint now_;
};

}  // namespace oncegate
