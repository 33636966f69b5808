#pragma once

// Private to connectors/postgresql (includes libpq's and Asio's headers).
#include <libpq-fe.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "connectors/Source.h"
#include "connectors/postgresql/PostgresConnection.h"
#include "connectors/postgresql/PostgresQueryJob.h"
#include "connectors/postgresql/PostgresSourceState.h"

namespace oncegate::postgres {

// The connections of one source on one loop, and the queries waiting for them. Touched only on
// its loop's thread, except close() once that thread has stopped.
class PostgresLoopPool : public std::enable_shared_from_this<PostgresLoopPool> {
 public:
  PostgresLoopPool(PostgresSourceState& sourceState, boost::asio::io_context& ioLoop,
                   std::size_t connectionCount)
      : state(sourceState), loop(ioLoop), size(connectionCount) {}

  void submit(PostgresQueryJobPtr job);
  void close();

  // Outlives the pool's use: the source closes its pools before it goes.
  PostgresSourceState& state;
  boost::asio::io_context& loop;
  const std::size_t size;
  std::atomic<bool> closed{false};  // read by the destructor waiting on another thread
  std::vector<PostgresConnectionPtr> connections;
  std::deque<PostgresQueryJobPtr> waiting;

 private:
  void pump();
  void send(const PostgresConnectionPtr& connection, const PostgresQueryJobPtr& job);
  void connect(const PostgresConnectionPtr& connection);
  void pollConnect(const PostgresConnectionPtr& connection);
  void connectFailed(const PostgresConnectionPtr& connection, const std::string& why);
  void waitReadable(const PostgresConnectionPtr& connection);
  void waitWritable(const PostgresConnectionPtr& connection);
  void flush(const PostgresConnectionPtr& connection);
  void readResults(const PostgresConnectionPtr& connection);
  void drain(const PostgresConnectionPtr& connection);
  void take(const PostgresConnectionPtr& connection, const PostgresQueryJobPtr& job,
            PGresult* result);
  void breakConnection(const PostgresConnectionPtr& connection, const std::string& why);
  void release(const PostgresConnectionPtr& connection);
  void expire(const PostgresQueryJobPtr& job);
  void cancelFront(const PostgresConnectionPtr& connection);
  void finish(const PostgresQueryJobPtr& job, QueryOutcome outcome, bool sourceFailed);
  void armTimer(const PostgresQueryJobPtr& job, Source::Clock::time_point at);
};

}  // namespace oncegate::postgres
