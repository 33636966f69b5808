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
};

}  // namespace oncegate
