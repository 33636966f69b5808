#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/Row.h"

namespace oncegate {

// What the executor learnt about one dataset of a plan, for one subject.
struct DatasetOutcome {
  enum class State { Pending, Found, NotFound, Unavailable };

  State state = State::Pending;
  // When Found. Shared: a hit in the in-process cache lends its decoded row, uncopied.
  std::shared_ptr<const Row> row;
  bool fromCache = false;
  // How long the source took to answer (the wait for a shared query included), in milliseconds;
  // none when no source answered (a cache hit, a dataset never asked, no answer in time). The
  // audit record keeps it, and the sharing report's per-source percentiles come from it.
  std::optional<double> latencyMs;
  std::string problem;  // when Unavailable: for the log and the audit trail, never the client
};

}  // namespace oncegate
