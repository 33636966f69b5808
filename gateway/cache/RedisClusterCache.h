#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/cache/CacheStats.h"
#include "gateway/cache/CacheValueCipher.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/RedisAddress.h"
#include "gateway/cache/RedisClusterSlots.h"
#include "gateway/cache/RedisClusterStats.h"
#include "gateway/cache/RedisEndpoint.h"

namespace boost::asio {
class io_context;
}

namespace oncegate {

// The DatasetCache on a Redis Cluster: RedisCache's contract (threading, misses on any failure,
// values sealed with `cipher`, nothing thrown to the caller) with the keys spread over the
// cluster's masters by hash slot.
//
// The slot map is read (CLUSTER SLOTS) by a thread of its own, from the masters it knows or else
// the seeds, at start and whenever the loops saw it was stale: a -MOVED reply, a master that
// cannot be reached, a slot nobody serves. Refreshes asked for in a burst are done once.
//
// Each I/O loop has one async connection per master it talks to. A lookup groups its keys by
// master and by slot, and sends each master one pipelined batch of MGETs, one per slot (Cluster
// refuses an MGET across slots): one round trip per master, the masters in parallel, within
// `timeout` altogether. -MOVED is followed at once to the named node (and the map refreshed),
// -ASK with ASKING to the importing node (the map stays). A master down costs misses for its
// keys only. Stores go to the owning master (SET PX).
//
// Nodes must announce IP addresses (Redis' default, cluster-preferred-endpoint-type ip): an I/O
// loop never waits on DNS. Seeds may be host names (only the map thread uses them).
//
// Destroy only after the loops have stopped running, before the io_contexts are destroyed.
class RedisClusterCache : public DatasetCache {
 public:
  RedisClusterCache(const RedisEndpoint& endpoint,
                    const std::vector<boost::asio::io_context*>& loops,
                    std::chrono::milliseconds timeout,
                    std::shared_ptr<const CacheValueCipher> cipher);
  ~RedisClusterCache() override;

  RedisClusterCache(const RedisClusterCache&) = delete;
  RedisClusterCache& operator=(const RedisClusterCache&) = delete;

  void lookup(const std::vector<std::string>& keys, LookupDone done) override;
  void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) override;
  // Blocking, on connections of its own: UNLINK on the key's master, or SCAN of every master for
  // the dataset's keys and UNLINK of them, slot by slot. Reads the map first if none is known.
  std::uint64_t erase(const std::string& key, bool wholeDataset) override;

  CacheStats stats() const;
  RedisClusterStats clusterStats() const;

  // `endpoint`'s login and name, aimed at one node.
  static RedisEndpoint nodeEndpoint(const RedisEndpoint& endpoint, const RedisAddress& node);

  // Asks the map thread for a fresh map (any thread; never waits).
  void requestRefresh();

 private:
  struct Counters;
  class NodeConnection;
  class LoopRouter;

  void refreshLoop();
  // One attempt over the known masters then the seeds; true when a map was put in force.
  bool refreshNow();
  std::shared_ptr<const RedisClusterSlots> currentMap() const;
  LoopRouter* routerOfThisThread() const;

  RedisEndpoint endpoint_;
  std::shared_ptr<Counters> counters_;
  std::vector<std::shared_ptr<LoopRouter>> routers_;

  mutable std::mutex mapMutex_;
  std::shared_ptr<const RedisClusterSlots> map_;  // under mapMutex_; null until first read

  std::mutex refreshMutex_;
  std::condition_variable refreshWanted_;
  bool refreshRequested_ = false;  // under refreshMutex_
  bool stopping_ = false;          // under refreshMutex_
  std::thread refresher_;
};

}  // namespace oncegate
