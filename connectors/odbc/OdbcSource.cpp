#include "connectors/odbc/OdbcSource.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <vector>

#include "common/Error.h"
#include "common/LatencyHistogram.h"
#include "connectors/CircuitBreaker.h"
#include "connectors/odbc/OdbcCancellation.h"
#include "connectors/odbc/OdbcConnector.h"
#include "connectors/odbc/OdbcError.h"

namespace oncegate {

namespace {

using Clock = Source::Clock;

struct Job {
  SourceQuery query;
  Clock::time_point deadline;
  Source::Completion done;
};

// A job taken out of the source's bookkeeping (a claim made under the mutex), to be completed
// outside it by whoever claimed it.
struct Claimed {
  Source::Completion done;
  QueryOutcome outcome;
};

QueryOutcome failed(Error error) { return QueryOutcome{std::nullopt, std::move(error), {}}; }

// How a job went, for the breaker.
enum class Verdict {
  NotSent,   // past its deadline or short-circuited: tells nothing about the database
  Answered,  // a row, no row, or a data error of this one query: the database is alive
  SourceFailed,
};

struct Attempt {
  QueryOutcome outcome;
  Verdict verdict = Verdict::NotSent;
};

// One worker thread and what others may see of it. Fields below `cancellation` are guarded by
// the source's mutex.
struct Worker {
  std::thread thread;
  odbc::OdbcCancellation cancellation;
  bool busy = false;       // inside a job (connect and driver calls included)
  std::uint64_t call = 0;  // number of the current job, for cancellation
  Clock::time_point startedAt;
  Clock::time_point cancelAt;  // SQLCancel from here
  Clock::time_point giveUpAt;  // given up on from here
  bool cancelled = false;
  Source::Completion done;  // the running job's: whoever takes it completes the job
  bool abandoned = false;   // given up on: its outcome is dropped, its thread exits
  bool exited = false;
};

constexpr auto kNever = Clock::time_point::max();

}  // namespace

struct OdbcSource::State {
  State(SourceConfig sourceConfig, ThreadStarter starter)
      : config(std::move(sourceConfig)),
        connector(config, connects),
        slotCount(static_cast<std::size_t>(std::max(config.pool, 1))),
        queueCapacity(kQueuePerWorker * slotCount),
        breaker(config.breakerFailures, config.breakerOpenFor),
        startThread(std::move(starter)) {
    if (!startThread) {
      startThread = [](std::function<void()> body) { return std::thread(std::move(body)); };
    }
  }

  static void work(const std::shared_ptr<State>& self, const std::shared_ptr<Worker>& me);
  static void watch(const std::shared_ptr<State>& self);
  // Starts a worker for `slot`; false (the slot stays empty, retried by the watchdog) when the
  // thread cannot be started. Called with the mutex held.
  bool startWorker(const std::shared_ptr<State>& self, std::size_t slot);

  Attempt attempt(Worker& me, std::unique_ptr<odbc::OdbcConnection>& connection, const Job& job);
  Attempt send(Worker& me, std::unique_ptr<odbc::OdbcConnection>& connection, const Job& job);
  void report(const Attempt& attempt);
  // Runs the completions of jobs claimed under the mutex (each counted in `completing`).
  void finish(std::vector<Claimed>& claimed);
  void finish(Source::Completion& done, QueryOutcome outcome);

  Error timedOut(const char* why) const {
    return Error(ErrorCode::SourceTimeout, "source '" + config.id + "' did not answer in time",
                 why);
  }
  Error shuttingDown() const {
    return Error(ErrorCode::SourceUnavailable, "source '" + config.id + "' is shutting down");
  }

  const SourceConfig config;
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> shortCircuited{0};
  std::atomic<std::uint64_t> timeouts{0};
  // Completions claimed and not yet run: the destructor waits for them to reach 0.
  std::atomic<std::uint64_t> completing{0};
  LatencyHistogram queryDuration;
  odbc::OdbcConnector connector;
  const std::size_t slotCount;
  const std::size_t queueCapacity;
  CircuitBreaker breaker;
  ThreadStarter startThread;

  mutable std::mutex mutex;
  std::condition_variable workReady;     // workers wait for jobs
  std::condition_variable watchdogWake;  // the watchdog waits for its next event
  std::condition_variable changed;       // the destructor waits for workers to exit
  std::deque<Job> queue;
  // Jobs refused because the queue was full, completed at once by the watchdog (done runs on a
  // thread of the source); it drains them on every wake, so they never pile up.
  std::vector<Job> refused;
  std::vector<std::shared_ptr<Worker>> slots;  // the current worker of each slot, or null
  std::uint64_t calls = 0;
  std::uint64_t abandonedAlive = 0;
  Clock::time_point watchdogWakeAt = kNever;  // when the sleeping watchdog wakes next
  std::thread watchdog;
  bool watchdogExited = false;
  bool stopping = false;  // no more jobs are taken from the queue
  bool closed = false;    // only the destructor claims jobs any more
};

bool OdbcSource::State::startWorker(const std::shared_ptr<State>& self, std::size_t slot) {
  auto worker = std::make_shared<Worker>();
  try {
    worker->thread = startThread([self, worker] { work(self, worker); });
  } catch (const std::system_error&) {
    return false;
  }
  slots[slot] = std::move(worker);
  return true;
}

OdbcSource::OdbcSource(SourceConfig config, ThreadStarter startThread)
    : state_(std::make_shared<State>(std::move(config), std::move(startThread))) {
  std::unique_lock lock(state_->mutex);
  state_->slots.resize(state_->slotCount);
  bool started = true;
  for (std::size_t slot = 0; slot < state_->slotCount && started; ++slot) {
    started = state_->startWorker(state_, slot);
  }
  if (started) {
    try {
      state_->watchdog = state_->startThread([state = state_] { State::watch(state); });
      return;
    } catch (const std::system_error&) {
      started = false;
    }
  }
  // Nothing has been queued yet: stop the idle workers that did start, and report.
  state_->stopping = true;
  state_->closed = true;
  auto workers = state_->slots;
  lock.unlock();
  state_->workReady.notify_all();
  for (auto& worker : workers) {
    if (worker) worker->thread.join();
  }
  throw Error(ErrorCode::SourceUnavailable,
              "source '" + state_->config.id + "' cannot start its threads",
              "the system refused to start a thread (pool " + std::to_string(state_->slotCount) +
                  " + 1 watchdog)");
}

OdbcSource::~OdbcSource() {
  State& state = *state_;
  std::vector<Claimed> claimed;
  std::vector<std::shared_ptr<Worker>> finished;
  bool joinWatchdog = false;
  {
    std::unique_lock lock(state.mutex);
    state.stopping = true;
    for (auto& job : state.queue) claimed.push_back({std::move(job.done), {}});
    state.queue.clear();
    state.workReady.notify_all();
    // Running queries finish (and complete) normally if they can within the bound.
    const auto until = Clock::now() + kShutdownWait;
    state.changed.wait_until(lock, until, [&] {
      return std::all_of(state.slots.begin(), state.slots.end(),
                         [](const auto& worker) { return !worker || worker->exited; });
    });
    state.closed = true;
    for (auto& worker : state.slots) {
      if (!worker) continue;
      if (worker->exited) {
        finished.push_back(worker);
        continue;
      }
      if (worker->done) claimed.push_back({std::move(worker->done), {}});
      worker->abandoned = true;
      ++state.abandonedAlive;
      worker->thread.detach();
    }
    state.slots.clear();
    for (auto& job : state.refused) claimed.push_back({std::move(job.done), {}});
    state.refused.clear();
    state.completing.fetch_add(claimed.size(), std::memory_order_relaxed);
    state.watchdogWake.notify_all();
    // The watchdog is only ever blocked by SQLCancel; it gets what is left of the bound.
    joinWatchdog =
        state.changed.wait_until(lock, until + kCancelGrace, [&] { return state.watchdogExited; });
  }
  for (auto& job : claimed) job.outcome = failed(state.shuttingDown());
  state.finish(claimed);
  for (auto& worker : finished) worker->thread.join();
  if (joinWatchdog) {
    state.watchdog.join();
  } else {
    state.watchdog.detach();
  }
  // Completions claimed before `closed` (by workers or the watchdog) may still be running.
  for (auto running = state.completing.load(); running != 0; running = state.completing.load()) {
    state.completing.wait(running);
  }
}

const std::string& OdbcSource::id() const { return state_->config.id; }

void OdbcSource::execute(SourceQuery query, Clock::time_point deadline, Completion done) {
  State& state = *state_;
  bool wakeWatchdog = false;
  {
    std::lock_guard lock(state.mutex);
    if (state.queue.size() < state.queueCapacity && !state.stopping) {
      state.queue.push_back(Job{std::move(query), deadline, std::move(done)});
      wakeWatchdog = deadline < state.watchdogWakeAt;
      if (wakeWatchdog) state.watchdogWakeAt = deadline;
    } else {
      state.refused.push_back(Job{std::move(query), deadline, std::move(done)});
      wakeWatchdog = true;
      state.watchdogWakeAt = Clock::time_point::min();
    }
  }
  state.workReady.notify_one();
  if (wakeWatchdog) state.watchdogWake.notify_one();
}

SourceStats OdbcSource::stats() const {
  const State& state = *state_;
  SourceStats stats;
  stats.queries = state.queries.load(std::memory_order_relaxed);
  stats.failures = state.failures.load(std::memory_order_relaxed);
  stats.connects = state.connects.load(std::memory_order_relaxed);
  stats.shortCircuited = state.shortCircuited.load(std::memory_order_relaxed);
  stats.timeouts = state.timeouts.load(std::memory_order_relaxed);
  stats.queryDuration = state.queryDuration.snapshot();
  stats.breakerOpen = state.breaker.open(Clock::now());
  stats.down = state.connector.down();
  std::lock_guard lock(state.mutex);
  stats.queued = state.queue.size();
  stats.abandoned = state.abandonedAlive;
  for (const auto& worker : state.slots) {
    if (worker && worker->busy) ++stats.inUse;
  }
  return stats;
}

void OdbcSource::State::work(const std::shared_ptr<State>& self,
                             const std::shared_ptr<Worker>& me) {
  State& state = *self;
  // Owned by this thread alone: if it is given up on, the connection goes with it.
  std::unique_ptr<odbc::OdbcConnection> connection;
  for (;;) {
    Job job;
    Source::Completion late;
    {
      std::unique_lock lock(state.mutex);
      state.workReady.wait(lock, [&] { return state.stopping || !state.queue.empty(); });
      if (state.stopping) {
        if (me->abandoned) --state.abandonedAlive;  // given up on while finishing a late job
        me->exited = true;
        state.changed.notify_all();
        return;
      }
      job = std::move(state.queue.front());
      state.queue.pop_front();
      const auto now = Clock::now();
      if (now >= job.deadline) {
        late = std::move(job.done);
        state.completing.fetch_add(1, std::memory_order_relaxed);
      } else {
        me->busy = true;
        me->call = ++state.calls;
        me->startedAt = now;
        me->cancelAt = std::min(job.deadline, now + state.config.timeout) + kCancelGrace;
        me->giveUpAt = me->cancelAt + kGiveUpAfter;
        me->cancelled = false;
        me->done = std::move(job.done);
        if (me->cancelAt < state.watchdogWakeAt) {
          state.watchdogWakeAt = me->cancelAt;
          state.watchdogWake.notify_one();
        }
      }
    }
    if (late) {
      state.finish(late, failed(state.timedOut("the query waited in the queue past its deadline")));
      continue;
    }

    Attempt attempt = state.attempt(*me, connection, job);

    Source::Completion done;
    {
      std::lock_guard lock(state.mutex);
      me->busy = false;
      if (me->abandoned) {
        // Given up on: the job was completed by another thread. Leave quietly.
        --state.abandonedAlive;
        state.changed.notify_all();
        break;
      }
      done = std::move(me->done);
      state.completing.fetch_add(1, std::memory_order_relaxed);
    }
    state.report(attempt);
    state.finish(done, std::move(attempt.outcome));
  }
  // Closing a connection whose call was given up on: the driver may not know it is stale.
  connection.reset();
}

Attempt OdbcSource::State::attempt(Worker& me, std::unique_ptr<odbc::OdbcConnection>& connection,
                                   const Job& job) {
  if (!breaker.allow(Clock::now())) {
    shortCircuited.fetch_add(1, std::memory_order_relaxed);
    return {failed(Error(ErrorCode::SourceUnavailable,
                         "source '" + config.id + "' keeps failing: its breaker is open",
                         "breaker open after " + std::to_string(config.breakerFailures) +
                             " failures in a row; one query is let through every " +
                             std::to_string(config.breakerOpenFor.count()) + "ms")),
            Verdict::NotSent};
  }
  try {
    return send(me, connection, job);
  } catch (const Error& error) {
    return {failed(error), Verdict::SourceFailed};  // no connection could be opened
  } catch (const std::exception& error) {
    return {failed(Error(ErrorCode::SourceUnavailable,
                         "source '" + config.id + "' failed the query", error.what())),
            Verdict::SourceFailed};
  }
}

Attempt OdbcSource::State::send(Worker& me, std::unique_ptr<odbc::OdbcConnection>& connection,
                                const Job& job) {
  const auto runOn = [&]() -> QueryOutcome {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
    const auto timeout = odbc::wholeSecondsAtLeastOne(std::min(config.timeout, left));
    queries.fetch_add(1, std::memory_order_relaxed);
    const auto start = Clock::now();
    struct Timing {
      LatencyHistogram& histogram;
      Clock::time_point start;
      ~Timing() { histogram.observe(Clock::now() - start); }
    } timing{queryDuration, start};
    return connection->run(job.query, timeout, me.cancellation, me.call);
  };
  const auto verdictOf = [&](const Error& error) {
    return connection->broken() || error.code() == ErrorCode::SourceTimeout ||
                   odbc::isSourceFailureState(error.sqlstate())
               ? Verdict::SourceFailed
               : Verdict::Answered;
  };

  if (connection && connection->broken()) connection.reset();
  if (!connection) connection = connector.open();
  const bool fresh = connection->fresh();
  try {
    return {runOn(), Verdict::Answered};
  } catch (const Error& error) {
    if (!connection->broken()) return {failed(error), verdictOf(error)};
    if (fresh || Clock::now() >= job.deadline) {
      connection.reset();
      return {failed(error), Verdict::SourceFailed};
    }
    connection.reset();
  }
  // The connection went stale while idle (server restarted, backend killed): the query never
  // reached a live server, so it is safe to send it once more on a new connection.
  connection = connector.open();
  try {
    return {runOn(), Verdict::Answered};
  } catch (const Error& error) {
    const auto verdict = verdictOf(error);
    if (connection->broken()) connection.reset();
    return {failed(error), verdict};
  }
}

void OdbcSource::State::report(const Attempt& attempt) {
  if (attempt.verdict == Verdict::SourceFailed) {
    breaker.failed(Clock::now());
  } else if (attempt.verdict == Verdict::Answered) {
    breaker.succeeded();
  }
}

void OdbcSource::State::finish(Source::Completion& done, QueryOutcome outcome) {
  if (outcome.error) {
    failures.fetch_add(1, std::memory_order_relaxed);
    if (outcome.error->code() == ErrorCode::SourceTimeout) {
      timeouts.fetch_add(1, std::memory_order_relaxed);
    }
  }
  try {
    done(std::move(outcome));
  } catch (...) {
    // A completion must not throw; if one does, the thread must survive it to serve the rest.
  }
  done = nullptr;  // what it captured goes now, not whenever the next job reuses this
  completing.fetch_sub(1, std::memory_order_release);
  completing.notify_all();
}

void OdbcSource::State::finish(std::vector<Claimed>& claimed) {
  for (auto& job : claimed) finish(job.done, std::move(job.outcome));
  claimed.clear();
}

void OdbcSource::State::watch(const std::shared_ptr<State>& self) {
  State& state = *self;
  std::vector<Claimed> claimed;
  std::vector<std::pair<std::shared_ptr<Worker>, std::uint64_t>> toCancel;
  std::size_t givenUp = 0;
  std::unique_lock lock(state.mutex);
  while (!state.closed) {
    const auto now = Clock::now();
    auto next = kNever;
    for (auto& job : state.refused) {
      claimed.push_back({std::move(job.done), failed(Error(ErrorCode::SourceUnavailable,
                                                           "source '" + state.config.id +
                                                               "' has too many queued queries"))});
    }
    state.refused.clear();
    std::erase_if(state.queue, [&](Job& job) {
      if (job.deadline > now) {
        next = std::min(next, job.deadline);
        return false;
      }
      claimed.push_back(
          {std::move(job.done),
           failed(state.timedOut("the query waited in the queue past its deadline"))});
      return true;
    });
    for (std::size_t slot = 0; slot < state.slots.size(); ++slot) {
      auto& worker = state.slots[slot];
      if (worker && worker->busy && now >= worker->giveUpAt) {
        claimed.push_back(
            {std::move(worker->done),
             failed(state.timedOut("the driver call did not return after a cancel; its worker "
                                   "was given up on and replaced"))});
        state.queryDuration.observe(now - worker->startedAt);
        ++givenUp;
        worker->abandoned = true;
        ++state.abandonedAlive;
        worker->thread.detach();
        worker.reset();
      } else if (worker && worker->busy && !worker->cancelled && now >= worker->cancelAt) {
        worker->cancelled = true;
        toCancel.emplace_back(worker, worker->call);
      }
      if (!worker && !state.stopping && !state.startWorker(self, slot)) {
        next = std::min(next, now + kGiveUpAfter);  // try again later
      }
      if (worker && worker->busy) {
        next = std::min(next, worker->cancelled ? worker->giveUpAt : worker->cancelAt);
      }
    }
    if (!claimed.empty() || !toCancel.empty()) {
      state.completing.fetch_add(claimed.size(), std::memory_order_relaxed);
      state.watchdogWakeAt = Clock::time_point::min();  // awake: it looks again before sleeping
      lock.unlock();
      for (auto& [worker, call] : toCancel) worker->cancellation.cancel(call);
      toCancel.clear();
      for (; givenUp > 0; --givenUp) state.breaker.failed(Clock::now());
      state.finish(claimed);
      lock.lock();
      continue;
    }
    state.watchdogWakeAt = next;
    if (next == kNever) {
      state.watchdogWake.wait(lock);
    } else {
      state.watchdogWake.wait_until(lock, next);
    }
    state.watchdogWakeAt = Clock::time_point::min();
  }
  state.watchdogExited = true;
  state.changed.notify_all();
}

std::unique_ptr<Source> makeOdbcSource(const SourceConfig& config) {
  return std::make_unique<OdbcSource>(config);
}

}  // namespace oncegate
