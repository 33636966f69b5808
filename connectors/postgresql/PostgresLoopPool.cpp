#include "connectors/postgresql/PostgresLoopPool.h"

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>

#include "common/Error.h"
#include "connectors/postgresql/PostgresPlaceholders.h"
#include "connectors/postgresql/PostgresResultColumns.h"
#include "connectors/postgresql/PostgresSource.h"

namespace oncegate::postgres {

namespace net = boost::asio;

namespace {

using Clock = Source::Clock;

QueryOutcome failed(Error error) { return QueryOutcome{std::nullopt, std::move(error), {}}; }

// As odbc::isSourceFailureState: the SQLSTATE classes that say the database itself is in
// trouble (connection, resources, operator intervention, system, internal), not one query.
bool isSourceFailureState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
         sqlstate.starts_with("58") || sqlstate.starts_with("XX") || sqlstate == "HYT00";
}

}  // namespace

void PostgresLoopPool::submit(PostgresQueryJobPtr job) {
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

void PostgresLoopPool::armTimer(const PostgresQueryJobPtr& job, Clock::time_point at) {
  if (!job->timer) job->timer.emplace(loop);
  job->timer->expires_at(at);
  job->timer->async_wait([self = shared_from_this(), job](const boost::system::error_code& ec) {
    if (ec || self->closed || job->finished) return;
    self->expire(job);
  });
}

void PostgresLoopPool::pump() {
  if (closed) return;
  if (connections.size() < size) {
    while (connections.size() < size) connections.push_back(std::make_shared<PostgresConnection>());
  }
  const auto now = Clock::now();
  const auto openable = [now](const PostgresConnectionPtr& connection) {
    return connection->conn == nullptr && now >= connection->notBefore;
  };
  while (!waiting.empty()) {
    // An idle connection first. With none, the pool grows first (a slow query holds up what is
    // pipelined behind it, so queries spread over all `size` connections before they queue
    // behind one another); only a full pool of busy connections pipelines, onto the least busy.
    PostgresConnectionPtr best;
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
  for (auto& connection : std::vector<PostgresConnectionPtr>(connections)) {
    if (opening >= waiting.size()) break;
    if (openable(connection)) {
      ++opening;
      connect(connection);
    }
  }
}

void PostgresLoopPool::send(const PostgresConnectionPtr& connection,
                            const PostgresQueryJobPtr& job) {
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
    const auto sql = numberedPlaceholders(query.sql);
    queued = PQsendPrepare(conn, name.c_str(), sql.c_str(), count, nullptr) == 1;
  }
  if (queued) {
    queued = query.describeOnly ? PQsendDescribePrepared(conn, name.c_str()) == 1
                                : PQsendQueryPrepared(conn, name.c_str(), count, values.data(),
                                                      nullptr, nullptr, 0) == 1;
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

void PostgresLoopPool::connect(const PostgresConnectionPtr& connection) {
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
  connection->setSocket(loop);
  waitWritable(connection);  // PQconnectStart's first poll state is "writing"
}

void PostgresLoopPool::pollConnect(const PostgresConnectionPtr& connection) {
  switch (PQconnectPoll(connection->conn)) {
    case PGRES_POLLING_OK: {
      connection->connectTimer.reset();
      if (PQsetnonblocking(connection->conn, 1) != 0 ||
          PQenterPipelineMode(connection->conn) != 1) {
        return connectFailed(connection, PQerrorMessage(connection->conn));
      }
      connection->setSocket(loop);
      connection->ready = true;
      state.connects.fetch_add(1, std::memory_order_relaxed);
      state.down.store(false, std::memory_order_relaxed);
      waitReadable(connection);
      pump();
      return;
    }
    case PGRES_POLLING_READING:
      connection->setSocket(loop);
      return waitReadable(connection);
    case PGRES_POLLING_WRITING:
      connection->setSocket(loop);
      return waitWritable(connection);
    default:
      return connectFailed(connection, PQerrorMessage(connection->conn));
  }
}

void PostgresLoopPool::connectFailed(const PostgresConnectionPtr& connection,
                                     const std::string& why) {
  release(connection);
  const auto now = Clock::now();
  for (auto& slot : connections) {
    if (slot->conn == nullptr) slot->notBefore = now + state.config.retry;
  }
  // Another connection may still be opening or open: the waiting queries go there.
  const bool anyUp = std::any_of(connections.begin(), connections.end(),
                                 [](const auto& other) { return other->conn != nullptr; });
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

void PostgresLoopPool::waitReadable(const PostgresConnectionPtr& connection) {
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

void PostgresLoopPool::waitWritable(const PostgresConnectionPtr& connection) {
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

void PostgresLoopPool::flush(const PostgresConnectionPtr& connection) {
  const int pending = PQflush(connection->conn);
  if (pending < 0) return breakConnection(connection, PQerrorMessage(connection->conn));
  if (pending > 0) waitWritable(connection);
  waitReadable(connection);
}

void PostgresLoopPool::readResults(const PostgresConnectionPtr& connection) {
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

void PostgresLoopPool::drain(const PostgresConnectionPtr& connection) {
  while (!connection->dead && !connection->inflight.empty() && PQisBusy(connection->conn) == 0) {
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
      if (connection->dropTimer &&
          (connection->inflight.empty() || !connection->inflight.front()->finished)) {
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

void PostgresLoopPool::take(const PostgresConnectionPtr& connection, const PostgresQueryJobPtr& job,
                            PGresult* result) {
  auto& outcome = job->outcome;
  const auto status = PQresultStatus(result);
  if (status == PGRES_FATAL_ERROR) {
    if (job->stage == 0) connection->prepared.erase(job->query.sql);
    if (!outcome.error) {
      const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      const std::string state_ = sqlstate != nullptr ? sqlstate : "";
      const std::string text = PQresultErrorMessage(result);
      if (state_ == "57014") {
        outcome.error =
            Error(ErrorCode::SourceTimeout,
                  "source '" + state.config.id + "' did not answer in time", text, state_);
      } else {
        outcome.error = state.shown(
            state.unavailable("source '" + state.config.id + "' failed the query", text, state_));
      }
    }
    return;
  }
  if (outcome.error || job->stage != 1) return;  // the prepare went well, or the rest aborted
  if (job->query.describeOnly && status == PGRES_COMMAND_OK) {
    outcome.columns = PostgresResultColumns::names(result);
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
      outcome.row =
          PostgresResultColumns::read(result, 0, state.config.id, state.config.maxValueBytes);
    } catch (const Error& error) {
      outcome.error = error;
    }
  }
}

void PostgresLoopPool::cancelFront(const PostgresConnectionPtr& connection) {
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

void PostgresLoopPool::expire(const PostgresQueryJobPtr& job) {
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
  for (auto& connection : std::vector<PostgresConnectionPtr>(connections)) {
    if (!connection->inflight.empty() && connection->inflight.front() == job) {
      cancelFront(connection);
    }
  }
}

void PostgresLoopPool::breakConnection(const PostgresConnectionPtr& connection,
                                       const std::string& why) {
  auto inflight = std::move(connection->inflight);
  connection->inflight.clear();
  release(connection);
  const auto error = state.shown(
      state.unavailable("source '" + state.config.id + "' lost its connection", why, "08006"));
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

void PostgresLoopPool::release(const PostgresConnectionPtr& connection) {
  connection->close();
  // A fresh object for the slot: handlers still holding this one see it dead.
  for (auto& slot : connections) {
    if (slot == connection) slot = std::make_shared<PostgresConnection>();
  }
}

void PostgresLoopPool::finish(const PostgresQueryJobPtr& job, QueryOutcome outcome,
                              bool sourceFailed) {
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

void PostgresLoopPool::close() {
  if (closed) return;
  closed = true;
  const auto error = state.unavailable("source '" + state.config.id + "' is shutting down");
  std::vector<PostgresQueryJobPtr> jobs(waiting.begin(), waiting.end());
  state.queued.fetch_sub(static_cast<std::int64_t>(waiting.size()), std::memory_order_relaxed);
  waiting.clear();
  for (auto& connection : std::vector<PostgresConnectionPtr>(connections)) {
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

}  // namespace oncegate::postgres
