#include "gateway/cache/MemoryCache.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "gateway/cache/CacheKey.h"
#include "gateway/cache/RowCodec.h"

namespace oncegate {

MemoryCache::MemoryCache(std::size_t maxEntries, CacheTier tier)
    : maxPerShard_(std::max<std::size_t>(1, maxEntries / kShardCount)), tier_(tier) {}

std::size_t MemoryCache::KeyHash::operator()(const std::string& key) const {
  constexpr std::size_t kTail = 16;
  if (key.size() < kTail) return std::hash<std::string>{}(key);
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, key.data() + key.size() - kTail, sizeof high);
  std::memcpy(&low, key.data() + key.size() - sizeof low, sizeof low);
  // splitmix64's finaliser: every bit of the sixteen characters reaches every bit of the hash.
  std::uint64_t h = high * 0x9E3779B97F4A7C15ULL ^ low;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<std::size_t>(h ^ (h >> 31));
}

MemoryCache::Shard& MemoryCache::shardOf(const std::string& key) {
  // The high bits: the map's buckets take the hash modulo their count, mostly its low bits.
  return shards_[(KeyHash{}(key) >> 56) % kShardCount];
}

std::uint64_t MemoryCache::erase(const std::string& key, bool wholeDataset) {
  if (!wholeDataset) {
    auto& shard = shardOf(key);
    std::lock_guard lock(shard.mutex);
    return shard.entries.erase(key);
  }
  std::uint64_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    removed += std::erase_if(shard.entries,
                             [&](const auto& entry) { return isCacheKeyOf(entry.first, key); });
  }
  return removed;
}

void MemoryCache::lookup(const std::vector<std::string>& keys, LookupDone done) {
  std::vector<CacheAnswer> result(keys.size());
  const auto now = Clock::now();
  std::uint64_t found = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto& answer = result[i];
    answer.tier = tier_;
    auto& shard = shardOf(keys[i]);
    std::lock_guard lock(shard.mutex);
    auto entry = shard.entries.find(keys[i]);
    if (entry != shard.entries.end() && entry->second.expires <= now) {
      shard.entries.erase(entry);
      entry = shard.entries.end();
    }
    if (entry == shard.entries.end()) {
      answer.markMissedIn(tier_);
      continue;
    }
    if (entry->second.row) {
      answer.row = entry->second.row;
    } else {
      answer.bytes = entry->second.bytes;
    }
    ++found;
  }
  hits_ += found;
  misses_ += keys.size() - found;
  done(std::move(result));
}

void MemoryCache::store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) {
  if (ttl <= std::chrono::milliseconds::zero()) return;
  // Decoded here, once, outside the shard's lock, rather than on every hit.
  Entry stored;
  if (auto decoded = decodeCachedRow(bytes)) {
    stored.row = std::make_shared<const CachedRow>(std::move(*decoded));
  } else {
    stored.bytes = std::move(bytes);
  }
  const auto now = Clock::now();
  const auto expires = now + ttl;
  stored.expires = expires;
  auto& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  auto existing = shard.entries.find(key);
  if (existing != shard.entries.end()) {
    existing->second = std::move(stored);
  } else {
    if (shard.entries.size() >= maxPerShard_) makeRoom(shard, now);
    shard.entries.emplace(key, std::move(stored));
  }
  shard.earliestExpiry = std::min(shard.earliestExpiry, expires);
}

void MemoryCache::makeRoom(Shard& shard, Clock::time_point now) {
  if (shard.earliestExpiry <= now) {
    auto earliest = Clock::time_point::max();
    std::erase_if(shard.entries, [&](const auto& item) {
      if (item.second.expires <= now) return true;
      earliest = std::min(earliest, item.second.expires);
      return false;
    });
    shard.earliestExpiry = earliest;
  }
  if (shard.entries.size() >= maxPerShard_) shard.entries.erase(shard.entries.begin());
}

std::size_t MemoryCache::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

CacheStats MemoryCache::stats() const {
  CacheStats out;
  out.hits = hits_.load();
  out.misses = misses_.load();
  return out;
}

}  // namespace oncegate
