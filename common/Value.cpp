#include "common/Value.h"

#include <array>
#include <utility>

namespace oncegate {

namespace {
constexpr std::array<std::pair<std::string_view, ValueKind>, 6> kKindNames{{
    {"string", ValueKind::String},
    {"int", ValueKind::Int},
    {"decimal", ValueKind::Decimal},
    {"bool", ValueKind::Bool},
    {"date", ValueKind::Date},
    {"datetime", ValueKind::DateTime},
}};
}  // namespace

bool parseValueKind(std::string_view name, ValueKind& out) {
  for (const auto& [text, kind] : kKindNames) {
    if (text == name) {
      out = kind;
      return true;
    }
  }
  return false;
}

std::string_view valueKindName(ValueKind kind) {
  for (const auto& [text, candidate] : kKindNames) {
    if (candidate == kind) return text;
  }
  return "null";
}

std::string Value::toString() const {
  switch (kind_) {
    case ValueKind::Null:
      return {};
    case ValueKind::Int:
      return std::to_string(number_);
    case ValueKind::Bool:
      return number_ != 0 ? "true" : "false";
    default:
      return text_;
  }
}

}  // namespace oncegate
