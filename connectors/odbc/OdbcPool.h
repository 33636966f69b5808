#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcConnection.h"
#include "connectors/odbc/OdbcEnvironment.h"

namespace oncegate::odbc {

// The connections of one source: one slot per worker, opened on first use and replaced when
// broken. After a failed connect every slot refuses at once for `retry`, so a dead source costs
// no connect attempt per request. Each slot is used by one thread; the down window is shared.
class OdbcPool {
 public:
  using Clock = std::chrono::steady_clock;

  OdbcPool(const SourceConfig& config, std::atomic<std::uint64_t>& connects);

  // The open connection of `slot`. Throws Error(SourceUnavailable) when the source is inside its
  // retry window (no sqlstate: nothing was tried) or when connecting fails (the driver's sqlstate).
  OdbcConnection& connection(std::size_t slot);
  // Closes the connection of `slot`; the next connection(slot) opens a new one.
  void discard(std::size_t slot);

  std::size_t size() const { return slots_.size(); }

 private:
  std::shared_ptr<OdbcEnvironment> environment_;
  std::string sourceId_;
  std::string connection_;
  std::chrono::seconds loginTimeout_;
  std::chrono::milliseconds retry_;
  std::atomic<std::uint64_t>& connects_;
  std::atomic<Clock::rep> downUntil_{0};  // steady-clock ticks; 0 = not down
  std::vector<std::unique_ptr<OdbcConnection>> slots_;
};

// Whole seconds for ODBC timeouts, rounded up and at least 1 (0 would mean "no timeout").
std::chrono::seconds wholeSecondsAtLeastOne(std::chrono::milliseconds duration);

}  // namespace oncegate::odbc
