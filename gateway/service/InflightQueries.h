#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/QueryOutcome.h"

namespace oncegate {

// Lets concurrent misses for the same dataset and key share one source query: the first caller
// for a key leads (runs the query), later callers wait for its outcome. Thread-safe.
//
// Each flight has a number. A flight still in flight past its leader's deadline is superseded by
// the next caller, who leads a new flight (one stuck query must not make a key unavailable for
// good); the waiters of the old flight that have not given up yet move to the new one. A leader
// completes its own flight only: the late answer of a superseded flight wakes nobody.
class InflightQueries {
 public:
  using Clock = std::chrono::steady_clock;
  using Waiter = std::function<void(const QueryOutcome&)>;

  struct Ticket {
    bool leads = false;  // the caller must run the query and then complete(key, flight)
    std::uint64_t flight = 0;
  };

  // Registers `waiter` for `key` until `deadline` (the caller's own); when the caller leads, the
  // flight is given up at that deadline. `now` is the time of the call.
  Ticket join(const std::string& key, Clock::time_point deadline, Waiter waiter,
              Clock::time_point now = Clock::now());
  // Hands `outcome` to every waiter of `flight` and frees `key`; nothing when `flight` has been
  // superseded (or completed) already.
  void complete(const std::string& key, std::uint64_t flight, const QueryOutcome& outcome);
  // Drops every flight and its waiters without calling them (the executor is going, and with it
  // the loops the waiters would run on); a later complete() finds nothing.
  void abandonAll();

 private:
  struct Waiting {
    Clock::time_point deadline;
    Waiter waiter;
  };
  struct Flight {
    std::uint64_t number = 0;
    Clock::time_point deadline;
    std::vector<Waiting> waiters;
  };

  std::mutex mutex_;
  std::uint64_t nextFlight_ = 1;
  std::unordered_map<std::string, Flight> flights_;
};

}  // namespace oncegate
