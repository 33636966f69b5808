#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/LatencyHistogram.h"
#include "connectors/QueryOutcome.h"
#include "connectors/SourceQuery.h"

namespace oncegate {

// Counters a source keeps about itself, for /metrics and for tests that prove query counts.
struct SourceStats {
  std::uint64_t queries = 0;   // queries sent to the database (success or failure)
  std::uint64_t failures = 0;  // queries that ended in an error, including timeouts
  std::uint64_t connects = 0;  // connections opened (a replaced broken connection counts again)
  std::uint64_t shortCircuited = 0;  // queries answered unavailable by an open breaker
  std::uint64_t timeouts = 0;        // queries completed with SourceTimeout (queued or running)
  std::uint64_t inUse = 0;           // gauge: workers running a query now
  std::uint64_t queued = 0;          // gauge: queries waiting for a worker
  // gauge: workers given up on (their driver call outlived every bound) whose call has not
  // returned yet; each was replaced, so they cost a thread and a connection, not capacity.
  std::uint64_t abandoned = 0;
  bool breakerOpen = false;  // the breaker answers unavailable now (open, or half open and busy)
  bool down = false;         // its last connect failed, and none has succeeded since
  // How long queries sent to the database took (including those given up on, at give-up).
  LatencyHistogram::Snapshot queryDuration;
};

// One department database. execute() never blocks its caller, so HTTP I/O threads can call it:
// OdbcSource runs queries on worker threads of its own; PostgresSource runs them on the calling
// I/O loop itself (connectors/postgresql/README.md). Each query returns at most one row.
class Source {
 public:
  using Clock = std::chrono::steady_clock;
  using Completion = std::function<void(QueryOutcome)>;

  virtual ~Source() = default;

  virtual const std::string& id() const = 0;

  // How long executeAndWait waits past its deadline for the source's own answer, which may come
  // a little late (a cancel, a give-up) and says more than a bare timeout.
  static constexpr std::chrono::milliseconds kWaitGrace{2000};

  // Queues `query`, never blocking. `done` runs exactly once, on a thread of the source or (a
  // PostgresSource called on an I/O loop) on the caller's loop thread; callers post back to
  // their own thread. It never runs while the source holds a lock of its own, and must not
  // block: destroying the source waits for completions already running. A query still queued at
  // `deadline` is not sent; it completes with SourceTimeout at its deadline. A query refused
  // (queue full) completes at once with SourceUnavailable. A database that is down completes
  // with SourceUnavailable, without waiting for the deadline when the source already knows it is
  // down. A query sent to the database completes by its deadline (or the source's timeout, the
  // earlier) plus the source's bounded cancel and give-up periods, even when the driver call
  // never returns. Once the source is destroyed, no completion of it runs any more.
  virtual void execute(SourceQuery query, Clock::time_point deadline, Completion done) = 0;

  // execute(), then waits for the outcome, at most until `deadline` + kWaitGrace: past that it
  // returns SourceTimeout itself, and the source's late completion is dropped harmlessly. For the
  // control plane (a probe, a dry run, a column check). Never call it on an I/O thread.
  QueryOutcome executeAndWait(SourceQuery query, Clock::time_point deadline);

  virtual SourceStats stats() const = 0;
};

}  // namespace oncegate
