#include "gateway/InflightQueries.h"

namespace oncegate {

bool InflightQueries::join(const std::string& key, Clock::time_point deadline, Waiter waiter) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = waiting_.try_emplace(key);
  // The earlier waiters of a flight past its deadline have given up on it already (their own
  // timers fired): dropping them costs nothing.
  const bool leads = inserted || Clock::now() > it->second.deadline;
  if (leads) {
    it->second.deadline = deadline;
    it->second.waiters.clear();
  }
  it->second.waiters.push_back(std::move(waiter));
  return leads;
}

void InflightQueries::complete(const std::string& key, const QueryOutcome& outcome) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    waiters = std::move(it->second.waiters);
    waiting_.erase(it);
  }
  for (auto& waiter : waiters) waiter(outcome);
}

}  // namespace oncegate
