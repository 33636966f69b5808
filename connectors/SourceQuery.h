#pragma once

#include <string>
#include <vector>

#include "common/Value.h"

namespace oncegate {

// One query for a source: SQL text with positional `?` placeholders and the values bound to them,
// in order. Values are only ever bound, never spliced into the text.
struct SourceQuery {
  std::string sql;
  std::vector<Value> params;
  // Only the result's column names are wanted (QueryOutcome::columns; no row is fetched): how a
  // field's column is checked against the database before a change takes effect. The params may
  // all be NULL then.
  bool describeOnly = false;
};

}  // namespace oncegate
