#pragma once

#include <cstdint>
#include <string>

namespace oncegate {

// One version of one configuration document in the control store: who changed what, when and
// why, and the object itself as JSON text (the same object as in the YAML documents).
struct StoredDocument {
  std::string kind;  // sources, subjects, datasets, fields, forms, clients or policies
  std::string id;
  std::uint64_t version = 0;  // the store-wide version this change created
  std::string author;
  std::string time;     // UTC, ISO 8601: "2026-11-26T09:30:00Z"
  std::string comment;  // may be empty
  std::string body;     // JSON; for a removal, the body it had before
  bool deleted = false;

  friend bool operator==(const StoredDocument& a, const StoredDocument& b) = default;
};

}  // namespace oncegate
