#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/config/GatewayConfig.h"
#include "gateway/store/StoredDocument.h"

namespace oncegate {

class ControlStore;
class LiveConfiguration;
class StoreChangeChannel;
struct GatewaySnapshot;

// Keeps an instance on the control store's current version: builds the snapshot the store holds
// (at start, and whenever a poll finds the store ahead of the snapshot in force, because another
// instance sharing it changed something). The poll runs on its own thread, since store calls
// block; a StoreChangeChannel, when there is one, wakes it as soon as another instance announces
// a change, and carries this instance's announcements to the others. Like admin changes, it holds
// the live configuration's changeMutex() while it builds and installs.
class StoreSync {
 public:
  // `gateway`: gateway.yaml's settings, which the store does not hold (once a snapshot is in
  // force, its own, which a SIGHUP may have renewed). `operatorDocuments`: the documents of the
  // operator's files as the store would hold them; a store document identical to one of them
  // resolves every ${...} reference, any other only those gateway.yaml binds to it (the store
  // also holds what admin tokens wrote).
  StoreSync(ControlStore& store, GatewayConfig gateway, LiveConfiguration& live,
            std::vector<StoredDocument> operatorDocuments = {});
  ~StoreSync();  // stops the poll
  StoreSync(const StoreSync&) = delete;
  StoreSync& operator=(const StoreSync&) = delete;

  // Installs the snapshot of the store's current documents, every source opened; throws
  // InvalidConfig when they do not build.
  void load();

  // Installs the store's current documents when the store's version is above the snapshot's;
  // returns whether it did. Throws when the store fails or its documents do not build (the
  // snapshot in force stays). Takes the live configuration's changeMutex().
  bool catchUp();

  // Calls catchUp every `interval` on a thread of its own until stop(); failures are logged
  // (once per store version or error) and the snapshot in force keeps serving. With `changes`
  // (which must outlive stop()), catchUp also runs as soon as it hears of a newer version.
  void start(std::chrono::milliseconds interval, StoreChangeChannel* changes = nullptr);
  // Stops the poll and the channel.
  void stop();

  // Tells the other instances that the store now holds `version` (admin changes call it once
  // recorded). Returns at once, whether or not Redis is there; nothing without a channel.
  void announce(std::uint64_t version);

  ControlStore& store() { return store_; }

 private:
  std::shared_ptr<const GatewaySnapshot> build(const GatewaySnapshot* current);
  void poll(std::chrono::milliseconds interval);
  void wake();

  ControlStore& store_;
  const GatewayConfig gateway_;
  const std::vector<StoredDocument> operatorDocuments_;
  LiveConfiguration& live_;

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
