#include "gateway/InflightQueries.h"

namespace oncegate {

bool InflightQueries::join(const std::string& key, Waiter waiter) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = waiting_.try_emplace(key);
  it->second.push_back(std::move(waiter));
  return inserted;
}

void InflightQueries::complete(const std::string& key, const QueryOutcome& outcome) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    waiters = std::move(it->second);
    waiting_.erase(it);
  }
  for (auto& waiter : waiters) waiter(outcome);
}

}  // namespace oncegate
