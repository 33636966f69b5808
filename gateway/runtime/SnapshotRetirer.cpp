#include "gateway/runtime/SnapshotRetirer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gateway/runtime/GatewaySnapshot.h"

namespace oncegate {

namespace {
// A retirement slower than this is logged: it means a source took long to stop.
constexpr std::chrono::milliseconds kSlowRetirement{1000};
}  // namespace

struct SnapshotRetirer::State {
  void retire(const GatewaySnapshot* snapshot) {
    {
      std::lock_guard lock(mutex);
      if (running) {
        queue.emplace_back(snapshot);
        wake.notify_one();
        return;
      }
    }
    delete snapshot;  // the retirer is gone: the process is ending
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and nothing (any more) to destroy
      auto batch = std::move(queue);
      queue.clear();
      lock.unlock();
      for (auto& snapshot : batch) {
        const auto started = std::chrono::steady_clock::now();
        const auto version = snapshot->version;
        snapshot.reset();
        const auto took = std::chrono::steady_clock::now() - started;
        if (took > kSlowRetirement) {
          spdlog::warn("retiring configuration version {} took {} ms (a source was slow to stop)",
                       version,
                       std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
        }
      }
      lock.lock();
      done += batch.size();
    }
  }

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::unique_ptr<const GatewaySnapshot>> queue;
  std::size_t done = 0;
  bool stopping = false;
  bool running = true;
  std::thread thread;
};

SnapshotRetirer::SnapshotRetirer() : state_(std::make_shared<State>()) {
  state_->thread = std::thread([state = state_.get()] { state->run(); });
}

SnapshotRetirer::~SnapshotRetirer() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_one();
  state_->thread.join();
  std::lock_guard lock(state_->mutex);
  state_->running = false;
}

std::shared_ptr<const GatewaySnapshot> SnapshotRetirer::adopt(
    std::unique_ptr<const GatewaySnapshot> snapshot) {
  // The deleter shares the state, so a reference dropped after the retirer is gone stays safe.
  return std::shared_ptr<const GatewaySnapshot>(
      snapshot.release(),
      [state = state_](const GatewaySnapshot* retiring) { state->retire(retiring); });
}

std::size_t SnapshotRetirer::retiring() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size();
}

std::size_t SnapshotRetirer::retired() const {
  std::lock_guard lock(state_->mutex);
  return state_->done;
}

}  // namespace oncegate
