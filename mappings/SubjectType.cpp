#include "mappings/SubjectType.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

// Subject keys are short (kMaxKeyLength), so no pattern needs to repeat anything more often than
// this; a larger count only builds a huge program (RE2 refuses counts past 1000 itself, and
// libstdc++'s regex, used before it, overflowed a signed integer on them).
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
  RE2::Options options;
  options.set_log_errors(false);  // the error goes into the configuration's message instead
  auto compiled = std::make_shared<const RE2>(subject.pattern_, options);
  if (!compiled->ok()) pattern.fail("pattern does not compile (RE2 syntax): " + compiled->error());
  subject.regex_ = std::move(compiled);
  return subject;
}

bool SubjectType::accepts(std::string_view keyValue) const {
  if (keyValue.empty() || keyValue.size() > kMaxKeyLength) return false;
  return RE2::FullMatch(re2::StringPiece(keyValue.data(), keyValue.size()), *regex_);
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
