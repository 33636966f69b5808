#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/GatewayConfig.h"
#include "gateway/SourceSet.h"

namespace oncegate {

class ApiHandler;
class ControlStore;
struct GatewaySnapshot;

// Keeps an instance on the control store's current version: builds the snapshot the store holds
// (at start, and whenever a poll finds the store ahead of the snapshot in force, because another
// instance sharing it changed something). The poll runs on its own thread, since store calls
// block. Whoever builds a new snapshot (this and admin changes) holds changeMutex(), so that each
// is built on what the previous one installed.
class StoreSync {
 public:
  // `gateway`: gateway.yaml's settings, which the store does not hold.
  StoreSync(ControlStore& store, GatewayConfig gateway, SourceSet::Factory openSource);
  ~StoreSync();  // stops the poll
  StoreSync(const StoreSync&) = delete;
  StoreSync& operator=(const StoreSync&) = delete;

  // The snapshot of the store's current documents, every source opened; throws InvalidConfig
  // when they do not build.
  std::shared_ptr<const GatewaySnapshot> load();

  // Installs the store's current documents in `gateway` when the store's version is above the
  // snapshot's; returns whether it did. Throws when the store fails or its documents do not
  // build (the snapshot in force stays). Takes changeMutex().
  bool catchUp(ApiHandler& gateway);

  // Calls catchUp every `interval` on a thread of its own until stop(); failures are logged
  // (once per store version or error) and the snapshot in force keeps serving.
  void start(ApiHandler& gateway, std::chrono::milliseconds interval);
  void stop();

  ControlStore& store() { return store_; }
  std::mutex& changeMutex() { return changeMutex_; }

 private:
  std::shared_ptr<const GatewaySnapshot> build(const GatewaySnapshot* current);
  void poll(ApiHandler& gateway, std::chrono::milliseconds interval);

  ControlStore& store_;
  const GatewayConfig gateway_;
  const SourceSet::Factory openSource_;
  std::mutex changeMutex_;

  std::mutex stopMutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace oncegate
