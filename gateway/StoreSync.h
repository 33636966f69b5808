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
class StoreChangeChannel;
struct GatewaySnapshot;

// Keeps an instance on the control store's current version: builds the snapshot the store holds
// (at start, and whenever a poll finds the store ahead of the snapshot in force, because another
// instance sharing it changed something). The poll runs on its own thread, since store calls
// block; a StoreChangeChannel, when there is one, wakes it as soon as another instance announces
// a change, and carries this instance's announcements to the others. Whoever builds a new snapshot
// (this and admin changes) holds changeMutex(), so that each is built on what the previous one
// installed.
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
  // (once per store version or error) and the snapshot in force keeps serving. With `changes`
  // (which must outlive stop()), catchUp also runs as soon as it hears of a newer version.
  void start(ApiHandler& gateway, std::chrono::milliseconds interval,
             StoreChangeChannel* changes = nullptr);
  // Stops the poll and the channel.
  void stop();

  // Tells the other instances that the store now holds `version` (admin changes call it once
  // recorded). Returns at once, whether or not Redis is there; nothing without a channel.
  void announce(std::uint64_t version);

  ControlStore& store() { return store_; }
  std::mutex& changeMutex() { return changeMutex_; }

 private:
  std::shared_ptr<const GatewaySnapshot> build(const GatewaySnapshot* current);
  void poll(ApiHandler& gateway, std::chrono::milliseconds interval);
  void wake();

  ControlStore& store_;
  const GatewayConfig gateway_;
  const SourceSet::Factory openSource_;
  std::mutex changeMutex_;

  std::mutex pollMutex_;
  std::condition_variable pollWakeup_;
  bool stopping_ = false;
  bool woken_ = false;  // a newer version was announced: poll now
  std::thread poller_;

  // Held while announcing and while stop() detaches the channel, so that no announcement
  // reaches a channel that is going away.
  std::mutex channelMutex_;
  StoreChangeChannel* changes_ = nullptr;
};

}  // namespace oncegate
