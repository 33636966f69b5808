#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"
#include "common/Row.h"

namespace oncegate {

// What one dataset query gave: a row, no row (both empty), or an error
// (ErrorCode::SourceUnavailable or ErrorCode::SourceTimeout, with the SQLSTATE when there is one).
struct QueryOutcome {
  std::optional<Row> row;
  std::optional<Error> error;
  std::vector<std::string> columns;  // for a describe-only query: the result's column names
};

}  // namespace oncegate
