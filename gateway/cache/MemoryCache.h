#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/cache/CacheStats.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/RowCodec.h"

namespace oncegate {

// The in-process DatasetCache, used when gateway.yaml has no `redis:`. Thread-safe: keys are
// spread over shards, each with its own mutex, so I/O threads rarely wait on one another.
// Lookups complete inline. Entries expire when read after their TTL; the entry count is bounded,
// and a full shard drops its expired entries first, then an arbitrary one. Entries that are
// encoded rows (RowCodec) are kept decoded and answered as such (CacheAnswer::row), so a hit
// neither decodes nor copies them; other bytes are kept and answered as they are.
class MemoryCache : public DatasetCache {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 100000;

  // `tier`: what its answers say they came from; Local when it is TieredCache's first tier.
  explicit MemoryCache(std::size_t maxEntries = kDefaultMaxEntries,
                       CacheTier tier = CacheTier::Memory);

  void lookup(const std::vector<std::string>& keys, LookupDone done) override;
  void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) override;
  std::uint64_t erase(const std::string& key, bool wholeDataset) override;

  std::size_t size() const;
  CacheStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kShardCount = 16;

  // One entry in one allocation: its value, its expiry and, after them, its key's bytes. A hit
  // reads the shard's slot and then this, where the key compared and the row handed out lie
  // together: with std::unordered_map it was a bucket, a node, the key's own heap block and the
  // row, each a cache miss once 10,000 subjects' rows outgrow the last-level cache.
  struct Entry {
    std::shared_ptr<const CachedRow> row;  // when the bytes were an encoded row
    std::string bytes;                     // otherwise
    Clock::time_point expires;
    std::uint32_t keySize = 0;
    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), keySize}; }
  };
  struct EntryDeleter {
    void operator()(Entry* entry) const;
  };
  using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;
  static EntryPtr makeEntry(std::string_view key);

  // Cache keys end in the hex of an HMAC (CacheKey.h), as good as a hash already: their last
  // sixteen characters are mixed into one. Hashing all ~80 bytes of a key, twice per lookup
  // (shard, then bucket), took ~5% of a hot request with 10,000 subjects cached. Shorter keys are
  // hashed whole; keys that share their last sixteen characters only share a probe sequence.
  static std::uint64_t hashOf(std::string_view key);

  // An open-addressing table with linear probing, at most half full: an empty slot ends a probe.
  struct Slot {
    std::uint64_t hash = 0;
    EntryPtr entry;  // null: empty
  };
  struct Shard {
    mutable std::mutex mutex;
    std::vector<Slot> slots;  // a power of two long, or empty
    std::size_t size = 0;
    std::size_t evictFrom = 0;  // where the search for an entry to drop starts next time
    // No entry expires before this: lets a full shard skip a useless scan for expired entries.
    Clock::time_point earliestExpiry = Clock::time_point::max();

    static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
    std::size_t find(std::uint64_t hash, std::string_view key) const;
    void insert(std::uint64_t hash, EntryPtr entry);
    void eraseAt(std::size_t slot);
    // Keeps only the entries `keep` says yes to (one pass, the table rebuilt); how many went.
    template <typename Keep>
    std::size_t retainOnly(Keep keep);
  };

  Shard& shardOf(std::uint64_t hash);
  void makeRoom(Shard& shard, Clock::time_point now);

  std::size_t maxPerShard_;
  CacheTier tier_;
  std::array<Shard, kShardCount> shards_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace oncegate
