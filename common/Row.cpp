#include "common/Row.h"

#include <algorithm>
#include <cctype>

namespace oncegate {

namespace {
bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

const Value* Row::find(std::string_view column) const {
  const std::size_t count = std::min(columns.size(), values.size());
  // Names usually match as written (the configuration names the columns of its own query), so
  // the exact comparison runs first and the case-insensitive one only when it finds nothing.
  for (std::size_t i = 0; i < count; ++i) {
    if (columns[i] == column) return &values[i];
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (equalsIgnoringCase(columns[i], column)) return &values[i];
  }
  return nullptr;
}

}  // namespace oncegate
