#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"

namespace oncegate {

// A department database reached through ODBC: `pool` worker threads, each with its own lazily
// opened connection, take queries from a bounded queue. A source that is down when constructed
// stops nothing: it answers SourceUnavailable and keeps trying every `retry`.
//
// A watchdog thread per source, never blocked by the database, keeps every bound of Source's
// contract: it completes refused queries at once and queued ones at their deadline; a running
// query past min(deadline, start + timeout) + kCancelGrace is cancelled (SQLCancel); one still
// running kGiveUpAfter later is given up on: the watchdog completes it (SourceTimeout), and a
// replacement worker with a fresh connection takes its slot, so the source keeps its capacity.
// The worker given up on ("abandoned") keeps only shared state alive; when its driver call
// returns, if ever, it closes its connection, drops the outcome and exits.
//
// Only failures of the database itself count for the breaker (timeouts, lost or refused
// connections: odbc::isSourceFailureState); one subject's data errors (two rows for one key, a
// conversion or constraint error) do not, since they say nothing about the source's health.
//
// stats(): queries = statements sent to the database; failures = executions that completed with
// an error, including those never sent (source down, deadline passed in the queue, shutdown);
// connects = connections opened.
class OdbcSource final : public Source {
 public:
  // Queries queued beyond this many per worker are refused (SourceUnavailable) at once.
  static constexpr std::size_t kQueuePerWorker = 256;
  // A running query's client-side bound: past its deadline (or timeout) the driver has this long
  // to end it itself (PostgreSQL's statement_timeout) before the watchdog sends SQLCancel...
  static constexpr std::chrono::milliseconds kCancelGrace{250};
  // ...and this long after that to return before the watchdog gives up on it.
  static constexpr std::chrono::milliseconds kGiveUpAfter{1000};
  // The destructor waits at most this long for running queries before giving up on them, so it
  // returns within about this bound even when a database host is frozen.
  static constexpr std::chrono::milliseconds kShutdownWait{2000};

  // Starts a thread running its argument. A seam for tests of thread-start failure (the default,
  // an empty function, starts a std::thread).
  using ThreadStarter = std::function<std::thread(std::function<void()>)>;

  // Throws Error(SourceUnavailable) naming the source when its threads cannot be started (after
  // stopping those that were).
  explicit OdbcSource(SourceConfig config, ThreadStarter startThread = {});
  // Stops taking queries: queued ones complete with SourceUnavailable ("shutting down"); running
  // ones get up to kShutdownWait to finish, then are completed the same way and abandoned. Once
  // it returns, no thread of the source runs a completion or touches this object.
  ~OdbcSource() override;
  OdbcSource(const OdbcSource&) = delete;
  OdbcSource& operator=(const OdbcSource&) = delete;

  const std::string& id() const override;
  void execute(SourceQuery query, Clock::time_point deadline, Completion done) override;
  SourceStats stats() const override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What the gateway calls to build a source from its configuration.
std::unique_ptr<Source> makeOdbcSource(const SourceConfig& config);

}  // namespace oncegate
