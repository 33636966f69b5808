#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcConnection.h"
#include "connectors/odbc/OdbcEnvironment.h"

namespace oncegate::odbc {

// Opens the connections of one source. Each worker owns the connection it opened (a worker given
// up on keeps its own until its driver call returns, while its replacement opens a new one).
// After a failed connect every open() refuses at once for `retry`, so a dead source costs no
// connect attempt per request. Thread-safe.
class OdbcConnector {
 public:
  using Clock = std::chrono::steady_clock;

  OdbcConnector(const SourceConfig& config, std::atomic<std::uint64_t>& connects);

  // A new open connection. Throws Error(SourceUnavailable) when the source is inside its retry
  // window (no sqlstate: nothing was tried) or when connecting fails (the driver's sqlstate).
  std::unique_ptr<OdbcConnection> open();

  // Whether the last connect failed (and none has succeeded since): for /readyz and /metrics.
  bool down() const { return down_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<OdbcEnvironment> environment_;
  std::string sourceId_;
  std::string connection_;
  // What a connect error may show of the connection string (see blankSecrets(Error, SourceConfig)).
  SourceConfig shownAs_;
  std::chrono::seconds loginTimeout_;
  std::chrono::milliseconds retry_;
  std::size_t maxValueBytes_;
  std::atomic<std::uint64_t>& connects_;
  std::atomic<Clock::rep> downUntil_{0};  // steady-clock ticks; 0 = not down
  std::atomic<bool> down_{false};
};

// Whole seconds for ODBC timeouts, rounded up and at least 1 (0 would mean "no timeout").
std::chrono::seconds wholeSecondsAtLeastOne(std::chrono::milliseconds duration);

}  // namespace oncegate::odbc
