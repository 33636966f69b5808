#pragma once

#include <chrono>
#include <mutex>

namespace oncegate {

// Stops sending queries to a source that keeps failing, so that its callers get `unavailable` at
// once instead of each waiting for a timeout, and a struggling database gets room to recover:
// after `failures` failures in a row the breaker opens for `openFor`; then one query is let
// through (half open), whose success closes it and whose failure opens it again. Thread-safe.
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(int failures, std::chrono::milliseconds openFor);

  // Whether a query may be sent at `now`. While half open only the first caller gets true,
  // until it reports how its query went.
  bool allow(Clock::time_point now);
  void succeeded();
  void failed(Clock::time_point now);

  bool open(Clock::time_point now) const;

 private:
  const int threshold_;
  const std::chrono::milliseconds openFor_;
  mutable std::mutex mutex_;
  int failuresInARow_ = 0;
  Clock::time_point openUntil_{};
  bool opened_ = false;
  bool trialOut_ = false;  // half open: the one query let through has not reported yet
};

}  // namespace oncegate
