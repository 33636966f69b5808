#include "connectors/postgresql/PostgresSource.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/Error.h"
#include "common/LatencyHistogram.h"
#include "connectors/CircuitBreaker.h"
#include "connectors/postgresql/PostgresPlaceholders.h"
#include "connectors/postgresql/PostgresResultColumns.h"

namespace oncegate {

namespace net = boost::asio;

namespace {

using Clock = Source::Clock;
using Loop = net::io_context;

// The loop the private thread of a source runs, for that thread to find itself.
thread_local Loop* privateLoopOfThisThread = nullptr;

QueryOutcome failed(Error error) { return QueryOutcome{std::nullopt, std::move(error), {}}; }

// As odbc::isSourceFailureState: the SQLSTATE classes that say the database itself is in
// trouble (connection, resources, operator intervention, system, internal), not one query.
bool isSourceFailureState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
         sqlstate.starts_with("58") || sqlstate.starts_with("XX") || sqlstate == "HYT00";
}

// One dataset query on its way through a loop's pool.
struct Job {
  SourceQuery query;
  Clock::time_point deadline;
  Source::Completion done;
  std::optional<net::steady_timer> timer;  // the deadline (then min(deadline, sent + timeout))
  bool sent = false;
  bool finished = false;  // `done` has run (or was taken): late results are only drained
  bool retried = false;
  bool retryable = false;  // sent on a connection that had answered before
  bool cancelRequested = false;
  Clock::time_point sentAt;
  // Where its results are while they come in: 0 the prepare's, 1 the query's, 2 the sync.
  int stage = 1;
  QueryOutcome outcome;
};
using JobPtr = std::shared_ptr<Job>;

// One libpq connection of a loop's pool.
struct Connection {
  PGconn* conn = nullptr;
  std::optional<net::posix::stream_descriptor> socket;
  int fd = -1;
  bool ready = false;
  bool reading = false;
  bool writing = false;
  bool dead = false;  // closed: handlers that still hold it do nothing
  Clock::time_point notBefore;  // an empty slot whose last connect failed opens again from here
  bool flushPosted = false;
  std::uint64_t answered = 0;
  std::optional<net::steady_timer> connectTimer;
  std::optional<net::steady_timer> dropTimer;
  std::unordered_map<std::string, std::string> prepared;  // dataset SQL -> statement name
  std::uint64_t statements = 0;
  std::deque<JobPtr> inflight;  // sent, in the order their results come back
};
using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace

namespace postgres {

struct LoopPool;

// What a PostgresSource shares with its pools and with the handlers on its loops.
struct SourceState {
  SourceState(SourceConfig sourceConfig, std::shared_ptr<PostgresLoops> sharedLoops)
      : config(std::move(sourceConfig)),
        loops(std::move(sharedLoops)),
        breaker(config.breakerFailures, config.breakerOpenFor) {}

  std::size_t connectionsPerLoop(bool shared) const {
    const auto pool = static_cast<std::size_t>(std::max(config.pool, 1));
    const std::size_t share = shared && loops ? loops->size() : 1;
    return std::max<std::size_t>(1, pool / std::max<std::size_t>(share, 1));
  }

  // The pool of `loop`, made on first use; null once the source is closing.
  std::shared_ptr<LoopPool> poolFor(Loop& loop, bool shared);
  Loop* privateLoop();
  void closePools(bool sharedOnly);

  Error unavailable(std::string message, std::string detail = {}, std::string sqlstate = {}) const {
    return Error(ErrorCode::SourceUnavailable, std::move(message), std::move(detail),
                 std::move(sqlstate));
  }
  // A driver's text may quote the connection string: blanked before anyone sees it.
  Error shown(const Error& error) const { return blankSecrets(error, config); }

  const SourceConfig config;
  const std::shared_ptr<PostgresLoops> loops;
  std::uint64_t enrolled = 0;
  CircuitBreaker breaker;
  std::shared_ptr<std::atomic<int>> cancelThreads = std::make_shared<std::atomic<int>>(0);

  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> shortCircuited{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::int64_t> inUse{0};
  std::atomic<std::int64_t> queued{0};
  std::atomic<bool> down{false};
  std::atomic<Clock::rep> downUntil{0};  // answers unavailable at once until then
  LatencyHistogram queryDuration;

  std::mutex mutex;
  std::condition_variable poolsClosed;
  bool closing = false;
  std::vector<std::pair<Loop*, std::shared_ptr<LoopPool>>> pools;
  std::vector<std::pair<Loop*, bool>> sharedOf;  // whether each pool's loop is a shared loop
  std::unique_ptr<Loop> ownLoop;
  std::atomic<Loop*> ownLoopRaw{nullptr};  // ownLoop, for execute() to read without the mutex
  std::thread ownThread;
};

using State = SourceState;

// The connections of one source on one loop, and the queries waiting for them. Touched only on
// its loop's thread, except close() once that thread has stopped.
struct LoopPool : std::enable_shared_from_this<LoopPool> {
  LoopPool(State& sourceState, Loop& ioLoop, std::size_t connectionCount)
      : state(sourceState), loop(ioLoop), size(connectionCount) {}

  void submit(JobPtr job);
  void close();

  State& state;  // outlives the pool's use: the source closes its pools before it goes
  Loop& loop;
  const std::size_t size;
  std::atomic<bool> closed{false};  // read by the destructor waiting on another thread
  std::vector<ConnectionPtr> connections;
  std::deque<JobPtr> waiting;

 private:
  void pump();
  void send(const ConnectionPtr& connection, const JobPtr& job);
  void connect(const ConnectionPtr& connection);
  void pollConnect(const ConnectionPtr& connection);
  void connectFailed(const ConnectionPtr& connection, const std::string& why);
  void waitReadable(const ConnectionPtr& connection);
  void waitWritable(const ConnectionPtr& connection);
  void flush(const ConnectionPtr& connection);
  void readResults(const ConnectionPtr& connection);
  void drain(const ConnectionPtr& connection);
  void take(const ConnectionPtr& connection, const JobPtr& job, PGresult* result);
  void breakConnection(const ConnectionPtr& connection, const std::string& why);
  void release(const ConnectionPtr& connection);
  void expire(const JobPtr& job);
  void cancelFront(const ConnectionPtr& connection);
  void finish(const JobPtr& job, QueryOutcome outcome, bool sourceFailed);
  void armTimer(const JobPtr& job, Clock::time_point at);
  void setSocket(const ConnectionPtr& connection);
};

std::shared_ptr<LoopPool> SourceState::poolFor(Loop& loop, bool shared) {
  std::lock_guard lock(mutex);
  if (closing) return nullptr;
  for (auto& [known, pool] : pools) {
    if (known == &loop) return pool;
  }
  auto pool = std::make_shared<LoopPool>(*this, loop, connectionsPerLoop(shared));
  pools.emplace_back(&loop, pool);
  sharedOf.emplace_back(&loop, shared);
  return pool;
}

Loop* SourceState::privateLoop() {
  std::lock_guard lock(mutex);
  if (closing) return nullptr;
  if (!ownLoop) {
    ownLoop = std::make_unique<Loop>(1);
    ownLoopRaw.store(ownLoop.get());
    ownThread = std::thread([loop = ownLoop.get()] {
      privateLoopOfThisThread = loop;
      auto guard = net::make_work_guard(*loop);
      loop->run();
    });
  }
  return ownLoop.get();
}

void SourceState::closePools(bool sharedOnly) {
  std::vector<std::shared_ptr<LoopPool>> toClose;
  {
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < pools.size(); ++i) {
      if (!sharedOnly || sharedOf[i].second) toClose.push_back(pools[i].second);
    }
  }
  for (auto& pool : toClose) pool->close();
  std::lock_guard lock(mutex);
  poolsClosed.notify_all();
}

void LoopPool::submit(JobPtr job) {
  if (closed) {
    finish(job, failed(state.unavailable("source '" + state.config.id + "' is shutting down")),
           false);
    return;
  }
  const auto now = Clock::now();
  if (state.down.load(std::memory_order_relaxed) &&
      now.time_since_epoch().count() < state.downUntil.load(std::memory_order_relaxed)) {
    // Known down: answered at once, posted so that `done` never runs inside execute().
    net::post(loop, [self = shared_from_this(), job] {
      self->finish(job,
                   failed(self->state.unavailable("source '" + self->state.config.id +
                                                  "' is unavailable: its last connect failed")),
                   false);
    });
    return;
  }
  if (waiting.size() >= PostgresSource::kQueuePerConnection * size) {
    net::post(loop, [self = shared_from_this(), job] {
      self->finish(job,
                   failed(self->state.unavailable("source '" + self->state.config.id +
                                                  "' has too many queued queries")),
                   false);
    });
    return;
  }
  armTimer(job, job->deadline);
  waiting.push_back(job);
  state.queued.fetch_add(1, std::memory_order_relaxed);
  pump();
}

void LoopPool::armTimer(const JobPtr& job, Clock::time_point at) {
  if (!job->timer) job->timer.emplace(loop);
  job->timer->expires_at(at);
  job->timer->async_wait([self = shared_from_this(), job](const boost::system::error_code& ec) {
    if (ec || self->closed || job->finished) return;
    self->expire(job);
  });
}

void LoopPool::pump() {
  if (closed) return;
  if (connections.size() < size) {
    while (connections.size() < size) connections.push_back(std::make_shared<Connection>());
  }
  const auto now = Clock::now();
  const auto openable = [now](const ConnectionPtr& connection) {
    return connection->conn == nullptr && now >= connection->notBefore;
  };
  while (!waiting.empty()) {
    // An idle connection first. With none, the pool grows first (a slow query holds up what is
    // pipelined behind it, so queries spread over all `size` connections before they queue
    // behind one another); only a full pool of busy connections pipelines, onto the least busy.
    ConnectionPtr best;
    bool growing = false;
    for (auto& connection : connections) {
      if (connection->ready) {
        if (!best || connection->inflight.size() < best->inflight.size()) best = connection;
      } else if (connection->conn != nullptr || openable(connection)) {
        growing = true;
      }
    }
    if (!best || (!best->inflight.empty() && growing)) break;
    auto job = waiting.front();
    waiting.pop_front();
    state.queued.fetch_sub(1, std::memory_order_relaxed);
    if (!state.breaker.allow(Clock::now())) {
      state.shortCircuited.fetch_add(1, std::memory_order_relaxed);
      finish(job,
             failed(state.unavailable(
                 "source '" + state.config.id + "' keeps failing: its breaker is open",
                 "breaker open after " + std::to_string(state.config.breakerFailures) +
                     " failures in a row; one query is let through every " +
                     std::to_string(state.config.breakerOpenFor.count()) + "ms")),
             false);
      continue;
    }
    send(best, job);
  }
  if (waiting.empty()) return;
  // Queries wait: open connections for them, one per waiting query at most. (A copy: a failed
  // connect replaces its slot.)
  std::size_t opening = 0;
  for (const auto& connection : connections) {
    if (!connection->ready && connection->conn != nullptr) ++opening;
  }
  for (auto& connection : std::vector<ConnectionPtr>(connections)) {
    if (opening >= waiting.size()) break;
    if (openable(connection)) {
      ++opening;
      connect(connection);
    }
  }
}

void LoopPool::send(const ConnectionPtr& connection, const JobPtr& job) {
  PGconn* conn = connection->conn;
  const auto& query = job->query;
  auto [named, fresh] = connection->prepared.try_emplace(query.sql);
  if (fresh) named->second = "og" + std::to_string(++connection->statements);
  const std::string& name = named->second;

  std::vector<std::string> texts(query.params.size());
  std::vector<const char*> values(query.params.size(), nullptr);
  for (std::size_t i = 0; i < query.params.size(); ++i) {
    const auto& value = query.params[i];
    switch (value.kind()) {
      case ValueKind::Null:
        continue;
      case ValueKind::Int:
        texts[i] = std::to_string(value.asInt());
        break;
      case ValueKind::Bool:
        texts[i] = value.asBool() ? "true" : "false";
        break;
      default:
        texts[i] = value.text();
    }
    values[i] = texts[i].c_str();
  }
  const int count = static_cast<int>(values.size());
  bool queued = true;
  if (fresh) {
    const auto sql = postgres::numberedPlaceholders(query.sql);
    queued = PQsendPrepare(conn, name.c_str(), sql.c_str(), count, nullptr) == 1;
  }
  if (queued) {
    queued = query.describeOnly
                 ? PQsendDescribePrepared(conn, name.c_str()) == 1
                 : PQsendQueryPrepared(conn, name.c_str(), count, values.data(), nullptr, nullptr,
                                       0) == 1;
  }
  if (queued) queued = PQpipelineSync(conn) == 1;

  job->sent = true;
  job->stage = fresh ? 0 : 1;
  job->retryable = connection->answered > 0;
  job->sentAt = Clock::now();
  job->outcome = {};
  connection->inflight.push_back(job);
  state.queries.fetch_add(1, std::memory_order_relaxed);
  state.inUse.fetch_add(1, std::memory_order_relaxed);
  const auto limit = std::min(job->deadline, job->sentAt + state.config.timeout);
  if (limit < job->deadline) armTimer(job, limit);
  if (!queued) {
    if (fresh) connection->prepared.erase(query.sql);
    breakConnection(connection, PQerrorMessage(conn));
    return;
  }
  // One write for every query queued in this turn of the loop, not one per query.
  if (!connection->flushPosted) {
    connection->flushPosted = true;
    net::post(loop, [self = shared_from_this(), connection] {
      connection->flushPosted = false;
      if (!self->closed && !connection->dead) self->flush(connection);
    });
  }
}

void LoopPool::setSocket(const ConnectionPtr& connection) {
  const int fd = PQsocket(connection->conn);
  if (fd == connection->fd && connection->socket) return;
  if (connection->socket) {
    connection->socket->cancel();
    connection->socket->release();  // libpq owns the descriptor
    connection->socket.reset();
  }
  connection->reading = false;
  connection->writing = false;
  connection->fd = fd;
  if (fd >= 0) connection->socket.emplace(loop, fd);
}

void LoopPool::connect(const ConnectionPtr& connection) {
  // The conninfo (or URI) is expanded as `dbname`; the settings after it make a row read as
  // OdbcSource reads it (UTF-8 text, ISO dates) whatever the server's defaults.
  const char* keywords[] = {"dbname", "client_encoding", "fallback_application_name", "options",
                            nullptr};
  const char* values[] = {state.config.odbc.c_str(), "UTF8", "oncegate",
                          "-c DateStyle=ISO,YMD -c extra_float_digits=1", nullptr};
  connection->conn = PQconnectStartParams(keywords, values, 1);
  connection->dead = false;
  connection->ready = false;
  connection->answered = 0;
  connection->prepared.clear();
  connection->statements = 0;
  if (connection->conn == nullptr) return connectFailed(connection, "out of memory");
  if (PQstatus(connection->conn) == CONNECTION_BAD) {
    return connectFailed(connection, PQerrorMessage(connection->conn));
  }
  connection->connectTimer.emplace(loop);
  connection->connectTimer->expires_after(state.config.timeout);
  connection->connectTimer->async_wait(
      [self = shared_from_this(), connection](const boost::system::error_code& ec) {
        if (ec || self->closed || connection->dead || connection->ready) return;
        self->connectFailed(connection, "no connection within the source's timeout");
      });
  setSocket(connection);
  waitWritable(connection);  // PQconnectStart's first poll state is "writing"
}

void LoopPool::pollConnect(const ConnectionPtr& connection) {
  switch (PQconnectPoll(connection->conn)) {
    case PGRES_POLLING_OK: {
      connection->connectTimer.reset();
      if (PQsetnonblocking(connection->conn, 1) != 0 ||
          PQenterPipelineMode(connection->conn) != 1) {
        return connectFailed(connection, PQerrorMessage(connection->conn));
      }
      setSocket(connection);
      connection->ready = true;
      state.connects.fetch_add(1, std::memory_order_relaxed);
      state.down.store(false, std::memory_order_relaxed);
      waitReadable(connection);
      pump();
      return;
    }
    case PGRES_POLLING_READING:
      setSocket(connection);
      return waitReadable(connection);
    case PGRES_POLLING_WRITING:
      setSocket(connection);
      return waitWritable(connection);
    default:
      return connectFailed(connection, PQerrorMessage(connection->conn));
  }
}

void LoopPool::connectFailed(const ConnectionPtr& connection, const std::string& why) {
  release(connection);
  const auto now = Clock::now();
  for (auto& slot : connections) {
    if (slot->conn == nullptr) slot->notBefore = now + state.config.retry;
  }
  // Another connection may still be opening or open: the waiting queries go there.
  const bool anyUp = std::any_of(connections.begin(), connections.end(), [](const auto& other) {
    return other->conn != nullptr;
  });
  if (anyUp) return pump();
  state.down.store(true, std::memory_order_relaxed);
  state.downUntil.store((now + state.config.retry).time_since_epoch().count(),
                        std::memory_order_relaxed);
  state.breaker.failed(now);
  const auto error = state.shown(
      state.unavailable("source '" + state.config.id + "' is unavailable: cannot connect", why));
  auto waiters = std::move(waiting);
  waiting.clear();
  state.queued.fetch_sub(static_cast<std::int64_t>(waiters.size()), std::memory_order_relaxed);
  for (auto& job : waiters) finish(job, failed(error), false);
}

void LoopPool::waitReadable(const ConnectionPtr& connection) {
  if (connection->reading || !connection->socket) return;
  connection->reading = true;
  connection->socket->async_wait(
      net::posix::stream_descriptor::wait_read,
      [self = shared_from_this(), connection](const boost::system::error_code& ec) {
        connection->reading = false;
        if (ec || self->closed || connection->dead) return;
        if (!connection->ready) return self->pollConnect(connection);
        self->readResults(connection);
      });
}

void LoopPool::waitWritable(const ConnectionPtr& connection) {
  if (connection->writing || !connection->socket) return;
  connection->writing = true;
  connection->socket->async_wait(
      net::posix::stream_descriptor::wait_write,
      [self = shared_from_this(), connection](const boost::system::error_code& ec) {
        connection->writing = false;
        if (ec || self->closed || connection->dead) return;
        if (!connection->ready) return self->pollConnect(connection);
        self->flush(connection);
      });
}

void LoopPool::flush(const ConnectionPtr& connection) {
  const int pending = PQflush(connection->conn);
  if (pending < 0) return breakConnection(connection, PQerrorMessage(connection->conn));
  if (pending > 0) waitWritable(connection);
  waitReadable(connection);
}

void LoopPool::readResults(const ConnectionPtr& connection) {
  if (PQconsumeInput(connection->conn) != 1) {
    return breakConnection(connection, PQerrorMessage(connection->conn));
  }
  drain(connection);
  if (connection->dead || closed) return;
  if (PQstatus(connection->conn) == CONNECTION_BAD) {
    return breakConnection(connection, PQerrorMessage(connection->conn));
  }
  waitReadable(connection);
}

void LoopPool::drain(const ConnectionPtr& connection) {
  while (!connection->dead && !connection->inflight.empty() &&
         PQisBusy(connection->conn) == 0) {
    auto job = connection->inflight.front();
    PGresult* result = PQgetResult(connection->conn);
    if (result == nullptr) {
      // The end of one command's results: the prepare's, then the query's. Past those, nothing
      // more has come yet (or the connection is going: readResults sees to that).
      if (job->stage >= 2) break;
      ++job->stage;
      continue;
    }
    if (PQresultStatus(result) == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      connection->inflight.pop_front();
      ++connection->answered;
      state.inUse.fetch_sub(1, std::memory_order_relaxed);
      if (!job->finished) {
        const bool sourceFailed =
            job->outcome.error && isSourceFailureState(job->outcome.error->sqlstate());
        finish(job, std::move(job->outcome), sourceFailed);
      }
      if (connection->dropTimer && (connection->inflight.empty() ||
                                    !connection->inflight.front()->finished)) {
        connection->dropTimer.reset();  // the cancelled query ended: the connection is idle
      }
      cancelFront(connection);
      if (!waiting.empty()) pump();  // an idle connection, or one less in flight
      continue;
    }
    take(connection, job, result);
    PQclear(result);
  }
}

void LoopPool::take(const ConnectionPtr& connection, const JobPtr& job, PGresult* result) {
  auto& outcome = job->outcome;
  const auto status = PQresultStatus(result);
  if (status == PGRES_FATAL_ERROR) {
    if (job->stage == 0) connection->prepared.erase(job->query.sql);
    if (!outcome.error) {
      const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      const std::string state_ = sqlstate != nullptr ? sqlstate : "";
      const std::string text = PQresultErrorMessage(result);
      if (state_ == "57014") {
        outcome.error = Error(ErrorCode::SourceTimeout,
                              "source '" + state.config.id + "' did not answer in time", text,
                              state_);
      } else {
        outcome.error =
            state.shown(state.unavailable("source '" + state.config.id + "' failed the query",
                                          text, state_));
      }
    }
    return;
  }
  if (outcome.error || job->stage != 1) return;  // the prepare went well, or the rest aborted
  if (job->query.describeOnly && status == PGRES_COMMAND_OK) {
    outcome.columns = postgres::PostgresResultColumns::names(result);
    return;
  }
  if (status != PGRES_TUPLES_OK) return;
  const int rows = PQntuples(result);
  if (rows > 1) {
    outcome.error = Error(ErrorCode::SourceUnavailable,
                          "source '" + state.config.id +
                              "': the dataset query returned more than one row (a dataset must "
                              "answer one row per key)",
                          "statement: " + job->query.sql, "21000");
    return;
  }
  if (rows == 1) {
    try {
      outcome.row = postgres::PostgresResultColumns::read(result, 0, state.config.id,
                                                          state.config.maxValueBytes);
    } catch (const Error& error) {
      outcome.error = error;
    }
  }
}

void LoopPool::cancelFront(const ConnectionPtr& connection) {
  if (connection->inflight.empty()) return;
  auto& front = connection->inflight.front();
  // Only the query the server runs now is cancelled: a cancel reaches whatever runs.
  if (!front->finished || front->cancelRequested) return;
  front->cancelRequested = true;
  auto threads = state.cancelThreads;
  PGcancel* cancel = PQgetCancel(connection->conn);
  if (cancel == nullptr || threads->fetch_add(1) >= PostgresSource::kMaxCancelThreads) {
    threads->fetch_sub(1);
    if (cancel != nullptr) PQfreeCancel(cancel);
    return breakConnection(connection, "the query outlived its timeout and no cancel was free");
  }
  try {
    std::thread([cancel, threads] {
      char error[256];
      PQcancel(cancel, error, sizeof(error));
      PQfreeCancel(cancel);
      threads->fetch_sub(1);
    }).detach();
  } catch (const std::system_error&) {
    threads->fetch_sub(1);
    PQfreeCancel(cancel);
    return breakConnection(connection, "the query outlived its timeout and no cancel started");
  }
  connection->dropTimer.emplace(loop);
  connection->dropTimer->expires_after(PostgresSource::kDropAfter);
  connection->dropTimer->async_wait(
      [self = shared_from_this(), connection, job = front](const boost::system::error_code& ec) {
        if (ec || self->closed || connection->dead) return;
        if (!connection->inflight.empty() && connection->inflight.front() == job) {
          self->breakConnection(connection, "a cancelled query did not end");
        }
      });
}

void LoopPool::expire(const JobPtr& job) {
  if (!job->sent) {
    const auto at = std::find(waiting.begin(), waiting.end(), job);
    if (at != waiting.end()) {
      waiting.erase(at);
      state.queued.fetch_sub(1, std::memory_order_relaxed);
    }
    return finish(job,
                  failed(Error(ErrorCode::SourceTimeout,
                               "source '" + state.config.id + "' did not answer in time",
                               "the query waited for a connection past its deadline")),
                  false);
  }
  finish(job,
         failed(Error(ErrorCode::SourceTimeout,
                      "source '" + state.config.id + "' did not answer in time",
                      "the query ran past its timeout; it was cancelled")),
         true);
  for (auto& connection : std::vector<ConnectionPtr>(connections)) {
    if (!connection->inflight.empty() && connection->inflight.front() == job) {
      cancelFront(connection);
    }
  }
}

void LoopPool::breakConnection(const ConnectionPtr& connection, const std::string& why) {
  auto inflight = std::move(connection->inflight);
  connection->inflight.clear();
  release(connection);
  const auto error = state.shown(state.unavailable(
      "source '" + state.config.id + "' lost its connection", why, "08006"));
  bool requeued = false;
  // Newest first to the front, so that the queries keep their order.
  for (auto it = inflight.rbegin(); it != inflight.rend(); ++it) {
    const auto& job = *it;
    state.inUse.fetch_sub(1, std::memory_order_relaxed);
    if (job->finished) continue;
    // Sent on a connection that had answered before: it went stale while idle (server restart,
    // killed backend), so the query most likely never ran; once more on a new connection.
    if (job->retryable && !job->retried && Clock::now() < job->deadline) {
      job->retried = true;
      job->sent = false;
      waiting.push_front(job);
      state.queued.fetch_add(1, std::memory_order_relaxed);
      armTimer(job, job->deadline);
      requeued = true;
      continue;
    }
    finish(job, failed(error), true);
  }
  if (requeued) pump();
}

void LoopPool::release(const ConnectionPtr& connection) {
  connection->dead = true;
  connection->ready = false;
  connection->connectTimer.reset();
  connection->dropTimer.reset();
  if (connection->socket) {
    connection->socket->cancel();
    connection->socket->release();
    connection->socket.reset();
  }
  connection->reading = false;
  connection->writing = false;
  connection->fd = -1;
  if (connection->conn != nullptr) PQfinish(connection->conn);
  connection->conn = nullptr;
  // A fresh object for the slot: handlers still holding this one see it dead.
  for (auto& slot : connections) {
    if (slot == connection) slot = std::make_shared<Connection>();
  }
}

void LoopPool::finish(const JobPtr& job, QueryOutcome outcome, bool sourceFailed) {
  if (job->finished) return;
  job->finished = true;
  job->timer.reset();
  if (job->sent) {
    state.queryDuration.observe(Clock::now() - job->sentAt);
    if (sourceFailed) {
      state.breaker.failed(Clock::now());
    } else {
      state.breaker.succeeded();
    }
  }
  if (outcome.error) {
    state.failures.fetch_add(1, std::memory_order_relaxed);
    if (outcome.error->code() == ErrorCode::SourceTimeout) {
      state.timeouts.fetch_add(1, std::memory_order_relaxed);
    }
  }
  auto done = std::move(job->done);
  job->done = nullptr;
  try {
    if (done) done(std::move(outcome));
  } catch (...) {
    // A completion must not throw; if one does, the loop must survive it to serve the rest.
  }
}

void LoopPool::close() {
  if (closed) return;
  closed = true;
  const auto error = state.unavailable("source '" + state.config.id + "' is shutting down");
  std::vector<JobPtr> jobs(waiting.begin(), waiting.end());
  state.queued.fetch_sub(static_cast<std::int64_t>(waiting.size()), std::memory_order_relaxed);
  waiting.clear();
  for (auto& connection : std::vector<ConnectionPtr>(connections)) {
    for (auto& job : connection->inflight) {
      state.inUse.fetch_sub(1, std::memory_order_relaxed);
      jobs.push_back(job);
    }
    connection->inflight.clear();
    release(connection);
  }
  connections.clear();
  for (auto& job : jobs) {
    const bool wasSent = job->sent;
    job->sent = false;  // not a verdict on the database
    finish(job, failed(error), false);
    job->sent = wasSent;
  }
}

}  // namespace postgres

using postgres::LoopPool;
using postgres::SourceState;

PostgresSource::PostgresSource(SourceConfig config, std::shared_ptr<PostgresLoops> loops)
    : state_(std::make_shared<SourceState>(std::move(config), std::move(loops))) {
  if (state_->loops) {
    state_->enrolled = state_->loops->enroll([weak = std::weak_ptr<SourceState>(state_)] {
      if (auto state = weak.lock()) state->closePools(true);
    });
  }
}

PostgresSource::~PostgresSource() {
  SourceState& state = *state_;
  std::vector<std::pair<Loop*, std::shared_ptr<LoopPool>>> pools;
  std::vector<bool> shared;
  {
    std::lock_guard lock(state.mutex);
    state.closing = true;
    pools = state.pools;
    for (auto& [loop, isShared] : state.sharedOf) shared.push_back(isShared);
  }
  auto* current = state.loops ? state.loops->current() : nullptr;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    Loop* loop = pools[i].first;
    const auto& pool = pools[i].second;
    const bool onThisThread = loop == current || loop == privateLoopOfThisThread;
    // Shared loops that have stopped were (or are being) closed by PostgresLoops::stop().
    if (shared[i] && !state.loops->running()) continue;
    if (onThisThread) {
      pool->close();
      continue;
    }
    net::post(*loop, [pool, self = state_] {
      pool->close();
      std::lock_guard lock(self->mutex);
      self->poolsClosed.notify_all();
    });
  }
  {
    std::unique_lock lock(state.mutex);
    state.poolsClosed.wait(lock, [&] {
      return std::all_of(pools.begin(), pools.end(),
                         [](const auto& entry) { return entry.second->closed.load(); });
    });
  }
  if (state.loops && state.enrolled != 0) state.loops->withdraw(state.enrolled);
  if (state.ownLoop) {
    state.ownLoop->stop();
    if (state.ownThread.joinable()) state.ownThread.join();
    state.ownLoop.reset();
  }
}

const std::string& PostgresSource::id() const { return state_->config.id; }

void PostgresSource::execute(SourceQuery query, Clock::time_point deadline, Completion done) {
  auto job = std::make_shared<Job>();
  job->query = std::move(query);
  job->deadline = deadline;
  job->done = std::move(done);
  SourceState& state = *state_;
  const auto run = [](const std::shared_ptr<SourceState>& self, Loop& loop, bool shared,
                      const JobPtr& queued) {
    if (auto pool = self->poolFor(loop, shared)) return pool->submit(queued);
    // The source is going: a call that raced with its destruction is dropped, never completed
    // after it (executeAndWait's own bound answers it).
  };
  if (auto* loop = state.loops ? state.loops->current() : nullptr) return run(state_, *loop, true, job);
  if (privateLoopOfThisThread != nullptr && privateLoopOfThisThread == state.ownLoopRaw.load()) {
    return run(state_, *privateLoopOfThisThread, false, job);
  }
  const bool shared = state.loops && state.loops->running();
  Loop* loop = shared ? state.loops->next() : state.privateLoop();
  if (loop == nullptr) return;
  net::post(*loop, [self = state_, loop, shared, job, run] { run(self, *loop, shared, job); });
}

SourceStats PostgresSource::stats() const {
  const SourceState& state = *state_;
  SourceStats stats;
  stats.queries = state.queries.load(std::memory_order_relaxed);
  stats.failures = state.failures.load(std::memory_order_relaxed);
  stats.connects = state.connects.load(std::memory_order_relaxed);
  stats.shortCircuited = state.shortCircuited.load(std::memory_order_relaxed);
  stats.timeouts = state.timeouts.load(std::memory_order_relaxed);
  stats.inUse = static_cast<std::uint64_t>(std::max<std::int64_t>(0, state.inUse.load()));
  stats.queued = static_cast<std::uint64_t>(std::max<std::int64_t>(0, state.queued.load()));
  stats.breakerOpen = state.breaker.open(Clock::now());
  stats.down = state.down.load(std::memory_order_relaxed);
  stats.queryDuration = state.queryDuration.snapshot();
  return stats;
}

std::unique_ptr<Source> makePostgresSource(const SourceConfig& config,
                                           std::shared_ptr<PostgresLoops> loops) {
  return std::make_unique<PostgresSource>(config, std::move(loops));
}

}  // namespace oncegate
