#include "policies/FieldPattern.h"

#include <algorithm>
#include <limits>

namespace oncegate {

namespace {
// Field ids are dotted names; anything else in a pattern is a typo that would silently match
// nothing.
bool isFieldIdText(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.' ||
      text.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80U;
  });
}
}  // namespace

std::optional<FieldPattern> FieldPattern::parse(std::string_view text) {
  FieldPattern pattern;
  pattern.text_ = std::string(text);
  if (text == "*") {
    pattern.kind_ = Kind::Any;
    return pattern;
  }
  if (text.size() > 2 && text.ends_with(".*")) {
    const auto stem = text.substr(0, text.size() - 2);
    if (!isFieldIdText(stem)) return std::nullopt;
    pattern.kind_ = Kind::Prefix;
    pattern.prefix_ = std::string(text.substr(0, text.size() - 1));
    return pattern;
  }
  if (!isFieldIdText(text)) return std::nullopt;
  pattern.kind_ = Kind::Exact;
  return pattern;
}

bool FieldPattern::matches(std::string_view fieldId) const {
  switch (kind_) {
    case Kind::Any:
      return true;
    case Kind::Prefix:
      return fieldId.size() > prefix_.size() && fieldId.starts_with(prefix_);
    case Kind::Exact:
      return fieldId == text_;
  }
  return false;
}

std::size_t FieldPattern::specificity() const {
  switch (kind_) {
    case Kind::Any:
      return 0;
    case Kind::Prefix:
      return prefix_.size();
    case Kind::Exact:
      return std::numeric_limits<std::size_t>::max();
  }
  return 0;
}

}  // namespace oncegate
