#pragma once

#include <cstddef>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"

namespace oncegate {

// A kind of subject (person, org) with the name of its key and the pattern every key value must
// match before any query runs. The pattern is compiled once, at load.
class SubjectType {
 public:
  // Key values longer than this are refused without running the pattern, so a hostile request
  // cannot make std::regex (which recurses per character) exhaust the stack.
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
  std::regex regex_;
};

}  // namespace oncegate
