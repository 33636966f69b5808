#pragma once

// Private to connectors/postgresql (includes Asio's headers).
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "connectors/Source.h"

namespace oncegate::postgres {

// One dataset query on its way through a loop's pool.
struct PostgresQueryJob {
  SourceQuery query;
  Source::Clock::time_point deadline;
  Source::Completion done;
  // The deadline (then min(deadline, sent + timeout)).
  std::optional<boost::asio::steady_timer> timer;
  bool sent = false;
  bool finished = false;  // `done` has run (or was taken): late results are only drained
  bool retried = false;
  bool retryable = false;  // sent on a connection that had answered before
  bool cancelRequested = false;
  Source::Clock::time_point sentAt;
  // Where its results are while they come in: 0 the prepare's, 1 the query's, 2 the sync.
  int stage = 1;
  QueryOutcome outcome;
};
using PostgresQueryJobPtr = std::shared_ptr<PostgresQueryJob>;

}  // namespace oncegate::postgres
