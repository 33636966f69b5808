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
  for (std::size_t i = 0; i < columns.size() && i < values.size(); ++i) {
    if (equalsIgnoringCase(columns[i], column)) return &values[i];
  }
  return nullptr;
}

}  // namespace oncegate
