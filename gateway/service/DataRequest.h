#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oncegate {

// What a data request asks for: values, a match against claims, or a whole form's values.
enum class DataRequestKind { Resolve, Verify, Prefill };

// A parsed /v1/resolve or /v1/verify body: who the data is about, for which matter, and what is
// asked. Claims are kept as the canonical text of the claimed JSON value ("张三", "12", "true").
struct DataRequest {
  std::string purpose;
  std::string caseNumber;  // empty when the request carries none
  std::string subjectType;
  // The subject's identifying keys as sent ({"id_card": "..."}), without "type".
  std::vector<std::pair<std::string, std::string>> subjectKeys;
  std::vector<std::string> fields;                          // resolve
  std::vector<std::pair<std::string, std::string>> claims;  // verify
};

}  // namespace oncegate
