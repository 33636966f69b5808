#include "gateway/reports/ConsistencyComparison.h"

#include <array>
#include <string_view>

namespace oncegate {

namespace {

// The white space sources pad text with: ASCII, U+3000 (full-width forms) and U+00A0.
constexpr std::array<std::string_view, 7> kBlanks{" ",  "\t",           "\n",      "\r",
                                                  "\v", "\xE3\x80\x80", "\xC2\xA0"};

std::string_view trimmed(std::string_view text) {
  for (bool cut = true; cut && !text.empty();) {
    cut = false;
    for (const auto blank : kBlanks) {
      if (text.starts_with(blank)) {
        text.remove_prefix(blank.size());
        cut = true;
      }
      if (text.ends_with(blank)) {
        text.remove_suffix(blank.size());
        cut = true;
      }
    }
  }
  return text;
}

// "12.500" -> "12.5", "12.000" -> "12", "-0.0" -> "0"; text without a point is left as it is.
std::string withoutTrailingZeros(std::string text) {
  const auto point = text.find('.');
  if (point == std::string::npos) return text;
  const auto last = text.find_last_not_of('0');
  text.resize(last == point ? point : last + 1);
  // Returned, not assigned: GCC 12 at -O2 with ASan took `text = "0"` for an overlapping copy
  // of 2^63 bytes (-Wrestrict, a false warning that warnings-as-errors made fatal).
  if (text == "-0") return "0";
  return text;
}

}  // namespace

std::string ConsistencyComparison::canonical(const Value& value) {
  switch (value.kind()) {
    case ValueKind::Null:
      return {};
    case ValueKind::String:
      return std::string(trimmed(value.text()));
    case ValueKind::Decimal:
    case ValueKind::DateTime:
      return withoutTrailingZeros(value.text());
    case ValueKind::Int:
    case ValueKind::Bool:
    case ValueKind::Date:
      return value.toString();
  }
  return value.toString();
}

}  // namespace oncegate
