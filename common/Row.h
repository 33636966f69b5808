#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ColumnPosition.h"
#include "common/Value.h"

namespace oncegate {

// One row returned by a dataset query: column names as the source reported them, and values.
// Rows are small (a handful of columns), so lookup is a linear, case-insensitive scan:
// PostgreSQL folds unquoted names to lower case while SQLite keeps them as written.
struct Row {
  std::vector<std::string> columns;
  std::vector<Value> values;

  // The value of `column`, or nullptr when the row has no such column.
  const Value* find(std::string_view column) const;
  // The same, looking first where `last` says the column was in the previous row read, and
  // updating it: for a reader of one column of many rows of the same layout.
  const Value* find(std::string_view column, ColumnPosition& last) const;
  // Asks the processor to start loading what find(column, last) will read (the column name and
  // its value at `last`): a cached row is cold in memory, and loading the columns of several
  // rows at once overlaps misses that reading them one by one would pay in turn.
  void prefetch(const ColumnPosition& last) const {
    const std::size_t at = last.get();
    if (at >= columns.size() || at >= values.size()) return;
    __builtin_prefetch(&columns[at]);
    __builtin_prefetch(&values[at]);
  }

  friend bool operator==(const Row& a, const Row& b) = default;
};

}  // namespace oncegate
