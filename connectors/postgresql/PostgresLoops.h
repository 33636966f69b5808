#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace oncegate {

// The gateway's I/O loops as PostgreSQL sources see them: the composition root hands them over
// once they exist (connectors may not include gateway/http's EventLoops) and says when they have
// stopped, so that every source closes its connections, timers and socket waits on them while
// their io_contexts still exist. Sources built before start() (the starting configuration) run
// calls made off the loops on a private loop of their own until then, as they do after stop()
// and when they are given no PostgresLoops at all (command-line tools).
class PostgresLoops {
 public:
  using Loop = boost::asio::io_context;
  // The loop whose thread is calling, or nullptr off the loops (EventLoops::current).
  using CurrentLoop = Loop* (*)();
  // Closes a source's connections on the loops; runs on the thread that calls stop().
  using Closer = std::function<void()>;

  PostgresLoops() = default;
  PostgresLoops(const PostgresLoops&) = delete;
  PostgresLoops& operator=(const PostgresLoops&) = delete;

  // The loops run from now on. Called once, before the loops take requests.
  void start(std::vector<Loop*> loops, CurrentLoop current);
  // The loop threads have stopped (joined); their io_contexts still exist. Runs every enrolled
  // closer on this thread. Idempotent.
  void stop();

  bool running() const { return running_.load(std::memory_order_acquire); }
  std::size_t size() const { return running() ? loops_.size() : 0; }
  // The caller's loop, or nullptr when it is not on one (or the loops do not run).
  Loop* current() const;
  // A loop for a call made off the loops (round robin), or nullptr when the loops do not run.
  Loop* next();

  // Registers what stop() must run for one source; 0 (nothing registered) when stop() has run.
  std::uint64_t enroll(Closer closer);
  void withdraw(std::uint64_t token);

 private:
  std::vector<Loop*> loops_;  // written once by start(), before running_ is set
  CurrentLoop current_ = nullptr;
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> next_{0};

  std::mutex mutex_;
  bool stopped_ = false;
  std::uint64_t lastToken_ = 0;
  std::map<std::uint64_t, Closer> closers_;
};

}  // namespace oncegate
