#include "common/Row.h"

#include <algorithm>

#include "common/AsciiCase.h"

namespace oncegate {

const Value* Row::find(std::string_view column, ColumnPosition& last) const {
  const std::size_t at = last.get();
  if (at < columns.size() && at < values.size() && columns[at] == column) return &values[at];
  const Value* found = find(column);
  if (found != nullptr) last.set(static_cast<std::uint32_t>(found - values.data()));
  return found;
}

const Value* Row::find(std::string_view column) const {
  const std::size_t count = std::min(columns.size(), values.size());
  // Names usually match as written (the configuration names the columns of its own query), so
  // the exact comparison runs first and the case-insensitive one only when it finds nothing.
  for (std::size_t i = 0; i < count; ++i) {
    if (columns[i] == column) return &values[i];
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (equalsIgnoringAsciiCase(columns[i], column)) return &values[i];
  }
  return nullptr;
}

}  // namespace oncegate
