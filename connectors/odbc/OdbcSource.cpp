#include "connectors/odbc/OdbcSource.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/Error.h"
#include "connectors/CircuitBreaker.h"
#include "connectors/odbc/OdbcPool.h"

namespace oncegate {

namespace {

struct Job {
  SourceQuery query;
  Source::Clock::time_point deadline;
  Source::Completion done;
};

QueryOutcome failed(Error error) { return QueryOutcome{std::nullopt, std::move(error), {}}; }

}  // namespace

struct OdbcSource::State {
  explicit State(SourceConfig sourceConfig)
      : config(std::move(sourceConfig)),
        pool(config, connects),
        queueCapacity(kQueuePerWorker * pool.size()),
        breaker(config.breakerFailures, config.breakerOpenFor) {}

  void work(std::size_t slot);
  // Runs a job unless it is past its deadline or the breaker is open, and tells the breaker.
  QueryOutcome run(std::size_t slot, const Job& job);
  QueryOutcome runGuarded(std::size_t slot, const Job& job);
  QueryOutcome runOn(odbc::OdbcConnection& connection, const Job& job);
  void complete(Job& job, QueryOutcome outcome);

  SourceConfig config;
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> shortCircuited{0};
  odbc::OdbcPool pool;
  const std::size_t queueCapacity;
  CircuitBreaker breaker;

  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Job> queue;
  // Jobs refused because the queue was full: still completed by a worker (done always runs on a
  // worker thread), ahead of the queue, without touching the database.
  std::deque<Job> refused;
  bool stopping = false;
  std::vector<std::thread> workers;
};

OdbcSource::OdbcSource(SourceConfig config) : state_(std::make_unique<State>(std::move(config))) {
  state_->workers.reserve(state_->pool.size());
  for (std::size_t slot = 0; slot < state_->pool.size(); ++slot) {
    state_->workers.emplace_back([state = state_.get(), slot] { state->work(slot); });
  }
}

OdbcSource::~OdbcSource() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->ready.notify_all();
  for (auto& worker : state_->workers) worker.join();
}

const std::string& OdbcSource::id() const { return state_->config.id; }

void OdbcSource::execute(SourceQuery query, Clock::time_point deadline, Completion done) {
  {
    std::lock_guard lock(state_->mutex);
    auto& target = state_->queue.size() < state_->queueCapacity ? state_->queue : state_->refused;
    target.push_back(Job{std::move(query), deadline, std::move(done)});
  }
  state_->ready.notify_one();
}

SourceStats OdbcSource::stats() const {
  SourceStats stats;
  stats.queries = state_->queries.load(std::memory_order_relaxed);
  stats.failures = state_->failures.load(std::memory_order_relaxed);
  stats.connects = state_->connects.load(std::memory_order_relaxed);
  stats.shortCircuited = state_->shortCircuited.load(std::memory_order_relaxed);
  return stats;
}

void OdbcSource::State::work(std::size_t slot) {
  for (;;) {
    Job job;
    bool refusedJob = false;
    bool shuttingDown = false;
    {
      std::unique_lock lock(mutex);
      ready.wait(lock, [this] { return stopping || !queue.empty() || !refused.empty(); });
      if (!refused.empty()) {
        job = std::move(refused.front());
        refused.pop_front();
        refusedJob = true;
      } else if (!queue.empty()) {
        job = std::move(queue.front());
        queue.pop_front();
      } else {
        return;  // stopping, and nothing left to complete
      }
      shuttingDown = stopping;
    }
    if (refusedJob) {
      complete(job, failed(Error(ErrorCode::SourceUnavailable,
                                 "source '" + config.id + "' has too many queued queries")));
    } else if (shuttingDown) {
      complete(job, failed(Error(ErrorCode::SourceUnavailable,
                                 "source '" + config.id + "' is shutting down")));
    } else {
      complete(job, run(slot, job));
    }
  }
}

QueryOutcome OdbcSource::State::run(std::size_t slot, const Job& job) {
  if (Clock::now() >= job.deadline) {
    return failed(Error(ErrorCode::SourceTimeout,
                        "source '" + config.id + "' did not answer in time",
                        "the query waited in the queue past its deadline"));
  }
  if (!breaker.allow(Clock::now())) {
    shortCircuited.fetch_add(1, std::memory_order_relaxed);
    return failed(Error(ErrorCode::SourceUnavailable,
                        "source '" + config.id + "' keeps failing: its breaker is open",
                        "breaker open after " + std::to_string(config.breakerFailures) +
                            " failures in a row; one query is let through every " +
                            std::to_string(config.breakerOpenFor.count()) + "ms"));
  }
  auto outcome = runGuarded(slot, job);
  // Only the database's own failures count: a query that found no row is a success.
  if (outcome.error) {
    breaker.failed(Clock::now());
  } else {
    breaker.succeeded();
  }
  return outcome;
}

QueryOutcome OdbcSource::State::runGuarded(std::size_t slot, const Job& job) {
  try {
    auto& connection = pool.connection(slot);
    const bool fresh = connection.fresh();
    try {
      return runOn(connection, job);
    } catch (const Error&) {
      if (!connection.broken()) throw;
      pool.discard(slot);
      if (fresh || Clock::now() >= job.deadline) throw;
    }
    // The connection went stale while idle (server restarted, backend killed): the query never
    // reached a live server, so it is safe to send it once more on a new connection.
    return runOn(pool.connection(slot), job);
  } catch (const Error& error) {
    return failed(error);
  } catch (const std::exception& error) {
    return failed(Error(ErrorCode::SourceUnavailable, "source '" + config.id + "' failed the query",
                        error.what()));
  }
}

QueryOutcome OdbcSource::State::runOn(odbc::OdbcConnection& connection, const Job& job) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
  const auto timeout = odbc::wholeSecondsAtLeastOne(std::min(config.timeout, left));
  queries.fetch_add(1, std::memory_order_relaxed);
  return connection.run(job.query, timeout);
}

void OdbcSource::State::complete(Job& job, QueryOutcome outcome) {
  if (outcome.error) failures.fetch_add(1, std::memory_order_relaxed);
  try {
    job.done(std::move(outcome));
  } catch (...) {
    // A completion must not throw; if one does, the worker must survive it to serve the rest.
  }
}

std::unique_ptr<Source> makeOdbcSource(const SourceConfig& config) {
  return std::make_unique<OdbcSource>(config);
}

}  // namespace oncegate
