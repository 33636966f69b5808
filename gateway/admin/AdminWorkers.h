#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace oncegate {

// The threads admin calls run on. Admin calls block (the control store, a source being tested,
// Redis), so they never run on the HTTP I/O threads; and the queue in front of those threads is
// bounded, so that a burst of slow calls is refused at once instead of piling up requests and
// the memory they hold.
class AdminWorkers {
 public:
  // How many admin calls run at once: a slow source test must not hold up every other call,
  // while changes still go one at a time (they take a lock).
  static constexpr std::size_t kThreads = 2;
  // How many calls may wait for a thread. Admin traffic is a few people and scripts: more than
  // this waiting means the calls are stuck (a frozen store or database), not busy.
  static constexpr std::size_t kQueueBound = 32;

  enum class Admission {
    Queued,  // it will run
    Full,    // kQueueBound calls are already waiting
    Stopped  // stop() was called
  };

  explicit AdminWorkers(std::size_t threads = kThreads, std::size_t queueBound = kQueueBound);
  ~AdminWorkers();  // stop()s
  AdminWorkers(const AdminWorkers&) = delete;
  AdminWorkers& operator=(const AdminWorkers&) = delete;

  // Queues `task` unless the queue is full or stopped; a task not queued is dropped unrun.
  Admission submit(std::function<void()> task);
  // Runs every task already queued to its end, then joins; later submits are Stopped.
  void stop();

 private:
  void work();

  const std::size_t queueBound_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace oncegate
