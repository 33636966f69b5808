#pragma once

// Private to connectors/postgresql (includes Asio's headers).
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/Error.h"
#include "common/LatencyHistogram.h"
#include "connectors/CircuitBreaker.h"
#include "connectors/Source.h"
#include "connectors/SourceConfig.h"
#include "connectors/postgresql/PostgresLoops.h"

namespace oncegate::postgres {

class PostgresLoopPool;

// The loop the private thread of a source runs, for that thread to find itself.
extern thread_local boost::asio::io_context* privateLoopOfThisThread;

// What a PostgresSource shares with its pools and with the handlers on its loops.
struct PostgresSourceState {
  PostgresSourceState(SourceConfig sourceConfig, std::shared_ptr<PostgresLoops> sharedLoops)
      : config(std::move(sourceConfig)),
        loops(std::move(sharedLoops)),
        breaker(config.breakerFailures, config.breakerOpenFor) {}

  std::size_t connectionsPerLoop(bool shared) const {
    const auto pool = static_cast<std::size_t>(std::max(config.pool, 1));
    const std::size_t share = shared && loops ? loops->size() : 1;
    return std::max<std::size_t>(1, pool / std::max<std::size_t>(share, 1));
  }

  // The pool of `loop`, made on first use; null once the source is closing.
  std::shared_ptr<PostgresLoopPool> poolFor(boost::asio::io_context& loop, bool shared);
  boost::asio::io_context* privateLoop();
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
  std::atomic<Source::Clock::rep> downUntil{0};  // answers unavailable at once until then
  LatencyHistogram queryDuration;

  std::mutex mutex;
  std::condition_variable poolsClosed;
  bool closing = false;
  std::vector<std::pair<boost::asio::io_context*, std::shared_ptr<PostgresLoopPool>>> pools;
  std::vector<std::pair<boost::asio::io_context*, bool>>
      sharedOf;  // whether each pool's loop is a shared loop
  std::unique_ptr<boost::asio::io_context> ownLoop;
  std::atomic<boost::asio::io_context*> ownLoopRaw{
      nullptr};  // ownLoop, for execute() to read without the mutex
  std::thread ownThread;
};

}  // namespace oncegate::postgres
