#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace oncegate {

// A kind of subject (person, org) with the name of its key and the pattern every key value must
// match before any query runs. The pattern is RE2 syntax (docs/decisions.md), compiled once, at
// load: matching takes time linear in the key whatever the pattern, with no recursion.
class SubjectType {
 public:
  // Key values longer than this are refused without running the pattern: no subject key is
  // longer, and a request need not make the gateway read more.
  static constexpr std::size_t kMaxKeyLength = 256;

  // One item of a `subjects:` list: { id, key, pattern }.
  static SubjectType parse(const ConfigNode& item);

  const std::string& id() const { return id_; }
  const std::string& key() const { return key_; }
  const std::string& pattern() const { return pattern_; }
  const std::string& location() const { return location_; }

  // True when the whole of `keyValue` matches the pattern.
  bool accepts(std::string_view keyValue) const;

  // The key value among a request's subject keys (name, value; "type" already taken out), checked:
  // Error(BadRequest) for another key name, a missing key or a value that fails the pattern. The
  // message names the rule that failed, never the value: it identifies a person.
  std::string keyValueOf(const std::vector<std::pair<std::string, std::string>>& keys) const;

 private:
  std::string id_;
  std::string key_;
  std::string pattern_;
  std::string location_;
  std::shared_ptr<const re2::RE2> regex_;  // shared: copies of a catalog share one program
};

}  // namespace oncegate
