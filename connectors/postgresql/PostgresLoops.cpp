#include "connectors/postgresql/PostgresLoops.h"

#include <utility>

namespace oncegate {

void PostgresLoops::start(std::vector<Loop*> loops, CurrentLoop currentLoop) {
  std::lock_guard lock(mutex_);
  if (stopped_ || running() || loops.empty()) return;
  loops_ = std::move(loops);
  current_ = currentLoop;
  running_.store(true, std::memory_order_release);
}

void PostgresLoops::stop() {
  std::map<std::uint64_t, Closer> closers;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    running_.store(false, std::memory_order_release);
    closers.swap(closers_);
  }
  for (auto& [token, closer] : closers) closer();
}

PostgresLoops::Loop* PostgresLoops::current() const {
  if (!running() || current_ == nullptr) return nullptr;
  Loop* loop = current_();
  for (Loop* known : loops_) {
    if (known == loop) return loop;
  }
  return nullptr;
}

PostgresLoops::Loop* PostgresLoops::next() {
  if (!running()) return nullptr;
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

std::uint64_t PostgresLoops::enroll(Closer closer) {
  std::lock_guard lock(mutex_);
  if (stopped_) return 0;
  closers_.emplace(++lastToken_, std::move(closer));
  return lastToken_;
}

void PostgresLoops::withdraw(std::uint64_t token) {
  std::lock_guard lock(mutex_);
  closers_.erase(token);
}

}  // namespace oncegate
