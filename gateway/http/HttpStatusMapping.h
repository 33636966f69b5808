#pragma once

#include "common/Error.h"

namespace oncegate {

// The one place where an error code becomes an HTTP status.
unsigned httpStatusFor(ErrorCode code);

}  // namespace oncegate
