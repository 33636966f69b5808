#pragma once

// Private to connectors/postgresql (includes libpq's and Asio's headers).
#include <libpq-fe.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "connectors/Source.h"
#include "connectors/postgresql/PostgresQueryJob.h"

namespace oncegate::postgres {

// One libpq connection of a loop's pool.
struct PostgresConnection {
  PGconn* conn = nullptr;
  std::optional<boost::asio::posix::stream_descriptor> socket;
  int fd = -1;
  bool ready = false;
  bool reading = false;
  bool writing = false;
  bool dead = false;  // closed: handlers that still hold it do nothing
  // An empty slot whose last connect failed opens again from here.
  Source::Clock::time_point notBefore;
  bool flushPosted = false;
  std::uint64_t answered = 0;
  std::optional<boost::asio::steady_timer> connectTimer;
  std::optional<boost::asio::steady_timer> dropTimer;
  std::unordered_map<std::string, std::string> prepared;  // dataset SQL -> statement name
  std::uint64_t statements = 0;
  std::deque<PostgresQueryJobPtr> inflight;  // sent, in the order their results come back

  // Follows the descriptor libpq uses now (it may change while connecting) with a socket on
  // `loop` to wait on.
  void setSocket(boost::asio::io_context& loop);
  // Closes the libpq connection and its socket; handlers that still hold it see it dead.
  void close();
};
using PostgresConnectionPtr = std::shared_ptr<PostgresConnection>;

}  // namespace oncegate::postgres
