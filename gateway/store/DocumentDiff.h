#pragma once

#include <string>
#include <vector>

namespace oncegate {

// Which top-level keys of a configuration document a change added, removed or changed: the
// change log's summary, so that a reviewer sees "deny changed" without opening both versions.
// Keys only, never values (a source's values hold passwords).
struct DocumentDiff {
  std::vector<std::string> added;  // each list in key order
  std::vector<std::string> removed;
  std::vector<std::string> changed;

  // Between two stored bodies (JSON objects); a key whose value differs in any way, nested
  // values included, is changed. Throws InvalidConfig when a body is not JSON.
  static DocumentDiff between(const std::string& beforeJson, const std::string& afterJson);

  friend bool operator==(const DocumentDiff&, const DocumentDiff&) = default;
};

}  // namespace oncegate
