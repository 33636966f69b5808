#pragma once

#include <optional>

#include "common/Error.h"
#include "common/Row.h"

namespace oncegate {

// What one dataset query gave: a row, no row (both empty), or an error
// (ErrorCode::SourceUnavailable or ErrorCode::SourceTimeout, with the SQLSTATE when there is one).
struct QueryOutcome {
  std::optional<Row> row;
  std::optional<Error> error;
};

}  // namespace oncegate
