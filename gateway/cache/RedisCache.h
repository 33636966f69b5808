#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gateway/cache/CacheStats.h"
#include "gateway/cache/CacheValueCipher.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/RedisEndpoint.h"
#include "gateway/cache/RedisSentinelDiscovery.h"

namespace boost::asio {
class io_context;
}

namespace oncegate {

// The DatasetCache shared by gateway instances, on Redis through hiredis' async API, with one
// connection per I/O loop so that a lookup never leaves its thread.
//
// Call lookup() and store() from an I/O thread, i.e. from a handler running on one of `loops`:
// the call uses that loop's connection and the completion runs on that same thread. A call from
// any other thread (or before the loop has run once) is answered with misses at once.
//
// A lookup is one MGET. One that gets no answer within `timeout` completes with misses, and the
// connection is reset (a stalled connection delays every reply queued behind it). While a
// connection is down, lookups complete at once with misses and stores are dropped; it reconnects
// in the background, waiting 100 ms after a failure, doubling up to 2 s. Nothing here blocks a
// loop (connect is async) or throws to the caller.
//
// With Sentinel, each connection goes to the master RedisSentinelDiscovery last found (its
// thread asks the sentinels; a loop only reads the answer) and checks ROLE. A connection error,
// a timeout or a READONLY/LOADING/MASTERDOWN reply makes the sentinels be asked again while the
// connection backs off as above; a master switch the discovery hears moves every connection at
// once.
//
// Values are sealed with `cipher` (the cache key as associated data) before they leave the
// process, so Redis never holds a row in clear; a value that does not open (a key retired or
// unknown here, altered, truncated) is a miss, counted in stats().undecryptable.
//
// Destroy only after the loops have stopped running (I/O threads joined) and before the
// io_contexts themselves are destroyed. Lookups still pending then are never completed.
class RedisCache : public DatasetCache {
 public:
  RedisCache(const RedisEndpoint& endpoint, const std::vector<boost::asio::io_context*>& loops,
             std::chrono::milliseconds timeout, std::shared_ptr<const CacheValueCipher> cipher);
  ~RedisCache() override;

  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  void lookup(const std::vector<std::string>& keys, LookupDone done) override;
  void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) override;
  // On a connection of its own (the loops' connections belong to their threads): UNLINK of the
  // key, or SCAN over the dataset's prefix and UNLINK of its keys, a batch at a time.
  std::uint64_t erase(const std::string& key, bool wholeDataset) override;

  CacheStats stats() const;
  // With Sentinel, what follows the master (for /metrics); else nullptr.
  const RedisSentinelDiscovery* sentinel() const { return discovery_.get(); }

 private:
  struct Counters;
  class Connection;

  Connection* connectionOfThisThread() const;

  RedisEndpoint endpoint_;
  std::shared_ptr<RedisSentinelDiscovery> discovery_;  // Sentinel only
  std::uint64_t masterMoved_ = 0;                      // discovery_'s listener
  std::shared_ptr<Counters> counters_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

}  // namespace oncegate
