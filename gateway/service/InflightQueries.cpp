#include "gateway/service/InflightQueries.h"

#include <algorithm>

namespace oncegate {

InflightQueries::Ticket InflightQueries::join(const std::string& key, Clock::time_point deadline,
                                              Waiter waiter, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = flights_.try_emplace(key);
  Flight& flight = it->second;
  const bool leads = inserted || now > flight.deadline;
  if (leads) {
    flight.number = nextFlight_++;
    flight.deadline = deadline;
    // The waiters whose own timers have fired have given up already: dropping them costs
    // nothing. The others wait on for the new flight.
    std::erase_if(flight.waiters, [now](const Waiting& waiting) { return now > waiting.deadline; });
  }
  flight.waiters.push_back(Waiting{deadline, std::move(waiter)});
  return Ticket{leads, flight.number};
}

void InflightQueries::complete(const std::string& key, std::uint64_t flight,
                               const QueryOutcome& outcome) {
  std::vector<Waiting> waiters;
  {
    std::lock_guard lock(mutex_);
    auto it = flights_.find(key);
    if (it == flights_.end() || it->second.number != flight) return;
    waiters = std::move(it->second.waiters);
    flights_.erase(it);
  }
  for (auto& waiting : waiters) waiting.waiter(outcome);
}

void InflightQueries::abandonAll() {
  std::unordered_map<std::string, Flight> abandoned;
  {
    std::lock_guard lock(mutex_);
    abandoned.swap(flights_);
  }
  // The waiters (and the requests they hold) are destroyed here, outside the lock.
}

}  // namespace oncegate
