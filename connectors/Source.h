#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "connectors/QueryOutcome.h"
#include "connectors/SourceQuery.h"

namespace oncegate {

// Counters a source keeps about itself, for /metrics and for tests that prove query counts.
struct SourceStats {
  std::uint64_t queries = 0;   // queries sent to the database (success or failure)
  std::uint64_t failures = 0;  // queries that ended in an error, including timeouts
  std::uint64_t connects = 0;  // connections opened (a replaced broken connection counts again)
  std::uint64_t shortCircuited = 0;  // queries answered unavailable by an open breaker
};

// One department database. Implementations run queries on their own worker threads: execute()
// never blocks its caller, so HTTP I/O threads can call it. Each query returns at most one row.
class Source {
 public:
  using Clock = std::chrono::steady_clock;
  using Completion = std::function<void(QueryOutcome)>;

  virtual ~Source() = default;

  virtual const std::string& id() const = 0;

  // Queues `query`. `done` runs exactly once, on a worker thread of the source (callers post back
  // to their own thread). A query still queued at `deadline` is not sent; it completes with
  // SourceTimeout. A database that is down completes with SourceUnavailable, without waiting for
  // the deadline when the source already knows it is down.
  virtual void execute(SourceQuery query, Clock::time_point deadline, Completion done) = 0;

  // execute(), then waits for the outcome (bounded by `deadline` and the source's timeouts): for
  // the control plane (a probe, a dry run, a column check). Never call it on an I/O thread.
  QueryOutcome executeAndWait(SourceQuery query, Clock::time_point deadline);

  virtual SourceStats stats() const = 0;
};

}  // namespace oncegate
