#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/QueryOutcome.h"

namespace oncegate {

// Lets concurrent misses for the same dataset and key share one source query: the first caller
// for a key leads (runs the query), later callers wait for its outcome. Thread-safe.
class InflightQueries {
 public:
  using Clock = std::chrono::steady_clock;
  using Waiter = std::function<void(const QueryOutcome&)>;

  // Registers `waiter` for `key`; true when the caller is the first and must run the query by
  // `deadline`. A query still in flight past its deadline no longer gathers waiters: the next
  // caller leads a fresh one, so one stuck query cannot make a key unavailable for good.
  bool join(const std::string& key, Clock::time_point deadline, Waiter waiter);
  // Removes `key` and hands `outcome` to every waiter registered for it.
  void complete(const std::string& key, const QueryOutcome& outcome);

 private:
  std::mutex mutex_;
  struct Flight {
    Clock::time_point deadline;
    std::vector<Waiter> waiters;
  };
  std::unordered_map<std::string, Flight> waiting_;
};

}  // namespace oncegate
