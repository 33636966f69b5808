#include "gateway/admin/AdminWorkers.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

#include "common/LogText.h"

namespace oncegate {

AdminWorkers::AdminWorkers(std::size_t threads, std::size_t queueBound) : queueBound_(queueBound) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

AdminWorkers::~AdminWorkers() { stop(); }

AdminWorkers::Admission AdminWorkers::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Admission::Stopped;
    if (queue_.size() >= queueBound_) return Admission::Full;
    queue_.push_back(std::move(task));
  }
  queued_.notify_one();
  return Admission::Queued;
}

void AdminWorkers::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void AdminWorkers::work() {
  for (;;) {
    std::function<void()> next;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Stopping still runs what was queued: each of those calls was promised an answer.
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    // A task that throws must not take its thread, and every later call, with it.
    try {
      next();
    } catch (const std::exception& e) {
      spdlog::error("admin worker: a call ended with an exception: {}", logText(e.what()));
    }
  }
}

}  // namespace oncegate
