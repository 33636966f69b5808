#pragma once

#include <string>

#include "common/Row.h"

namespace oncegate {

// What the executor learnt about one dataset of a plan, for one subject.
struct DatasetOutcome {
  enum class State { Pending, Found, NotFound, Unavailable };

  State state = State::Pending;
  Row row;  // when Found
  bool fromCache = false;
  std::string problem;  // when Unavailable: for the log and the audit trail, never the client
};

}  // namespace oncegate
