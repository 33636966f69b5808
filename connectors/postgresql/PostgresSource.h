#pragma once

#include <chrono>
#include <memory>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"
#include "connectors/postgresql/PostgresLoops.h"

namespace oncegate {

namespace postgres {
struct PostgresSourceState;
}

// A PostgreSQL department database (`postgresql:` source) reached through libpq's asynchronous
// API, on the gateway's I/O loops: no worker threads and no thread hops. Each loop that runs
// queries gets its own share of the pool (pool / loops, at least one connection each), opened
// without blocking (PQconnectStart/PQconnectPoll) and driven by socket waits on that loop. Each
// connection is in pipeline mode: many queries in flight on one connection, each dataset
// statement prepared once per connection, parameters and results as text.
//
// Threading: execute() called on a loop runs the query on that loop's connections and `done`
// runs there, on the caller's thread. Called off the loops (a probe, a dry run, executeAndWait),
// the query is posted to one of the loops (or, before the loops start, after they stop, or with
// no PostgresLoops, to a private loop thread of the source) and `done` runs on that loop.
//
// Timeouts: each query has a timer at min(deadline, sent + timeout). Past it the query completes
// SourceTimeout at once and the server is asked to cancel it (PQcancel, which opens a connection
// and waits for the server, so it runs on a short-lived detached thread of its own, at most
// kMaxCancelThreads at a time; beyond that the connection is dropped instead). A connection whose
// cancelled query has not ended kDropAfter later is dropped (its other queries fail
// unavailable) and replaced.
//
// The typing rules, the breaker and the stats are those of OdbcSource: a row reads the same over
// either connector; only failures of the database itself count for the breaker; a query that
// found its connection broken by a server restart or a killed backend is sent once more on a
// new connection when it was sent on a connection that had answered before.
class PostgresSource final : public Source {
 public:
  // Queries waiting for a connection beyond this many per connection are refused at once.
  static constexpr std::size_t kQueuePerConnection = 256;
  // A connection whose timed-out query has not ended this long after the cancel is dropped.
  static constexpr std::chrono::milliseconds kDropAfter{1000};
  // Cancels running at once, per source: each is a thread blocked on a connect to the server.
  static constexpr int kMaxCancelThreads = 4;

  // `loops` null: every query runs on the source's private loop thread.
  explicit PostgresSource(SourceConfig config, std::shared_ptr<PostgresLoops> loops = nullptr);
  // Closes every connection on the loop that owns it (or on the thread that stops the loops);
  // queries not answered yet complete SourceUnavailable ("shutting down") before it returns.
  ~PostgresSource() override;
  PostgresSource(const PostgresSource&) = delete;
  PostgresSource& operator=(const PostgresSource&) = delete;

  const std::string& id() const override;
  void execute(SourceQuery query, Clock::time_point deadline, Completion done) override;
  SourceStats stats() const override;

 private:
  std::shared_ptr<postgres::PostgresSourceState> state_;
};

// What the gateway calls to build a `postgresql:` source.
std::unique_ptr<Source> makePostgresSource(const SourceConfig& config,
                                           std::shared_ptr<PostgresLoops> loops);

}  // namespace oncegate
