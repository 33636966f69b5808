#pragma once

#include <chrono>
#include <memory>

#include "gateway/cache/CacheStats.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/MemoryCache.h"

namespace oncegate {

// An in-process first tier in front of a shared cache (Redis): hot rows are answered without a
// round trip; only the keys the local tier misses go to the shared tier, still in one lookup.
// Local entries live at most `localTtl`, which bounds how long an instance can serve a row that
// was replaced or invalidated in the shared tier.
class TieredCache : public DatasetCache {
 public:
  TieredCache(std::unique_ptr<DatasetCache> shared, std::size_t localEntries,
              std::chrono::milliseconds localTtl);

  void lookup(const std::vector<std::string>& keys, LookupDone done) override;
  void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) override;
  // Both tiers; only the shared tier's count is returned (the local one holds copies of it).
  // Other instances' local tiers keep their copies for at most local_ttl.
  std::uint64_t erase(const std::string& key, bool wholeDataset) override;
  // This instance's copies only: what another instance's invalidation asks of this one, whose
  // shared tier it has already emptied.
  std::uint64_t eraseLocal(const std::string& key, bool wholeDataset);

  // The local tier's counters (the shared tier has its own): its hits and misses are the keys
  // whose answers say CacheTier::Local.
  CacheStats localStats() const { return local_.stats(); }

 private:
  std::unique_ptr<DatasetCache> shared_;
  MemoryCache local_;
  std::chrono::milliseconds localTtl_;
};

}  // namespace oncegate
