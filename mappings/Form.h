#pragma once

#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "mappings/FormEntry.h"

namespace oncegate {

// A named list of fields for one purpose and one subject type (a matter's form). Parsed and
// checked here; prefill is the gateway's business.
class Form {
 public:
  // One item of a `forms:` list: { id, title, purpose, subject, fields, description }. Each
  // entry of `fields` is a field id, { id, replaces: <document> } or { id, supplied_by: applicant
  // }.
  static Form parse(const ConfigNode& item);

  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }
  const std::string& purpose() const { return purpose_; }
  const std::string& subject() const { return subject_; }
  const std::string& description() const { return description_; }
  const std::vector<FormEntry>& entries() const { return entries_; }
  const std::string& location() const { return location_; }

 private:
  std::string id_;
  std::string title_;
  std::string purpose_;
  std::string subject_;
  std::string description_;
  std::vector<FormEntry> entries_;
  std::string location_;
};

}  // namespace oncegate
