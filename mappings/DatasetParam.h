#pragma once

#include <cstdint>
#include <string>

namespace oncegate {

// What one positional `?` of a dataset's SQL is bound to: the subject's key value, or the value
// of another field (a chained dataset, keyed by something a first query yields).
struct DatasetParam {
  enum class Kind : std::uint8_t { SubjectKey, Field };

  std::string name;  // the `:name` placeholder it came from
  Kind kind = Kind::SubjectKey;
  std::string ref;       // the subject key name ("id_card") or a field id ("person.fund_account")
  std::string location;  // file:line of its `params:` entry, for later errors
};

}  // namespace oncegate
