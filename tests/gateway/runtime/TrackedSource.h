#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/Error.h"
#include "connectors/Source.h"

namespace oncegate::testing {

// A source that is never queried; what matters is its end. Its destructor reports which thread
// ran it and can be held on a latch, as closing a real source waits for a query stuck on a frozen
// database host.
class TrackedSource : public Source {
 public:
  // Shared by the test and the source, so that it outlives the source.
  class Destruction {
   public:
    // The destructor waits in release() from now on.
    void hold() {
      std::lock_guard lock(mutex_);
      held_ = true;
    }
    void release() {
      std::lock_guard lock(mutex_);
      held_ = false;
      changed_.notify_all();
    }
    // Dropped by the destructor once released: a source whose end lets go of something else.
    void alsoDrop(std::shared_ptr<const void> owned) {
      std::lock_guard lock(mutex_);
      owned_ = std::move(owned);
    }

    bool waitUntilStarted() const {
      std::unique_lock lock(mutex_);
      return changed_.wait_for(lock, kLimit, [&] { return thread_.has_value(); });
    }
    bool waitUntilFinished() const {
      std::unique_lock lock(mutex_);
      return changed_.wait_for(lock, kLimit, [&] { return finished_; });
    }
    bool started() const {
      std::lock_guard lock(mutex_);
      return thread_.has_value();
    }
    bool finished() const {
      std::lock_guard lock(mutex_);
      return finished_;
    }
    // The thread that ran the destructor (a default id before it started).
    std::thread::id thread() const {
      std::lock_guard lock(mutex_);
      return thread_.value_or(std::thread::id{});
    }

    void run() {
      std::shared_ptr<const void> owned;
      {
        std::unique_lock lock(mutex_);
        thread_ = std::this_thread::get_id();
        changed_.notify_all();
        changed_.wait(lock, [&] { return !held_; });
        owned = std::move(owned_);
      }
      owned.reset();  // off the lock: it may run another TrackedSource's destructor
      std::lock_guard lock(mutex_);
      finished_ = true;
      changed_.notify_all();
    }

   private:
    static constexpr std::chrono::seconds kLimit{10};
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    bool held_ = false;
    bool finished_ = false;
    std::optional<std::thread::id> thread_;
    std::shared_ptr<const void> owned_;
  };

  TrackedSource(std::string id, std::shared_ptr<Destruction> destruction)
      : id_(std::move(id)), destruction_(std::move(destruction)) {}
  ~TrackedSource() override { destruction_->run(); }
  TrackedSource(const TrackedSource&) = delete;
  TrackedSource& operator=(const TrackedSource&) = delete;

  const std::string& id() const override { return id_; }
  void execute(SourceQuery /*query*/, Clock::time_point /*deadline*/, Completion done) override {
    done(QueryOutcome{std::nullopt, Error(ErrorCode::SourceUnavailable, "not a database"), {}});
  }
  SourceStats stats() const override { return {}; }

 private:
  std::string id_;
  std::shared_ptr<Destruction> destruction_;
};

}  // namespace oncegate::testing
