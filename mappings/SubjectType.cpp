#include "mappings/SubjectType.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "common/Error.h"

namespace oncegate {

namespace {

// Subject keys are short (kMaxKeyLength), so no pattern needs to repeat anything more often than
// this; libstdc++'s regex compiler overflows a signed integer on counts past its range (undefined
// behaviour, found by the configuration fuzzer) and builds huge automata on large ones.
constexpr unsigned long kMaxRepetition = 1000;

// The largest count of a `{n}`, `{n,}` or `{n,m}` quantifier in `pattern` (an escaped brace is a
// literal); counts past kMaxRepetition are reported as kMaxRepetition + 1.
unsigned long largestRepetition(std::string_view pattern) {
  unsigned long largest = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;  // the escaped character is a literal
      continue;
    }
    if (pattern[i] != '{') continue;
    unsigned long count = 0;
    for (std::size_t j = i + 1; j < pattern.size() && pattern[j] != '}'; ++j) {
      if (pattern[j] >= '0' && pattern[j] <= '9') {
        count =
            std::min(count * 10 + static_cast<unsigned long>(pattern[j] - '0'), kMaxRepetition + 1);
        largest = std::max(largest, count);
      } else {
        count = 0;
      }
    }
  }
  return largest;
}

}  // namespace

SubjectType SubjectType::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "key", "pattern", "description"});
  SubjectType subject;
  subject.id_ = item.at("id").asString();
  subject.key_ = item.at("key").asString();
  const auto pattern = item.at("pattern");
  subject.pattern_ = pattern.asString();
  subject.location_ = item.location();
  if (largestRepetition(subject.pattern_) > kMaxRepetition) {
    pattern.fail("pattern repeats something more than " + std::to_string(kMaxRepetition) +
                 " times; a subject key is at most " + std::to_string(kMaxKeyLength) +
                 " characters");
  }
  try {
    subject.regex_ = std::regex(subject.pattern_, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    pattern.fail("pattern does not compile: " + std::string(e.what()));
  }
  return subject;
}

bool SubjectType::accepts(std::string_view keyValue) const {
  if (keyValue.empty() || keyValue.size() > kMaxKeyLength) return false;
  return std::regex_match(keyValue.begin(), keyValue.end(), regex_);
}

std::string SubjectType::keyValueOf(
    const std::vector<std::pair<std::string, std::string>>& keys) const {
  for (const auto& [name, value] : keys) {
    if (name != key_) {
      throw Error(ErrorCode::BadRequest, "subject." + name + " is not a key of subject type '" +
                                             id_ + "' (its key is " + key_ + ")");
    }
  }
  if (keys.empty()) throw Error(ErrorCode::BadRequest, "subject." + key_ + " is required");
  const auto& value = keys.front().second;
  if (!accepts(value)) {
    throw Error(ErrorCode::BadRequest,
                "subject." + key_ + " does not match the pattern of '" + id_ + "': " + pattern_);
  }
  return value;
}

}  // namespace oncegate
