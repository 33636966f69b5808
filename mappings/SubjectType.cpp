#include "mappings/SubjectType.h"

#include "common/Error.h"

namespace oncegate {

SubjectType SubjectType::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "key", "pattern", "description"});
  SubjectType subject;
  subject.id_ = item.at("id").asString();
  subject.key_ = item.at("key").asString();
  const auto pattern = item.at("pattern");
  subject.pattern_ = pattern.asString();
  subject.location_ = item.location();
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
