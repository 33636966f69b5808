#include "mappings/SubjectType.h"

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

}  // namespace oncegate
