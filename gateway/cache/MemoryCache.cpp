#include "gateway/cache/MemoryCache.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

#include "gateway/cache/CacheKey.h"
#include "gateway/cache/RowCodec.h"

namespace oncegate {

namespace {
constexpr std::size_t kFirstCapacity = 16;
}  // namespace

MemoryCache::MemoryCache(std::size_t maxEntries, CacheTier tier)
    : maxPerShard_(std::max<std::size_t>(1, maxEntries / kShardCount)), tier_(tier) {}

void MemoryCache::EntryDeleter::operator()(Entry* entry) const {
  entry->~Entry();
  ::operator delete(entry);
}

MemoryCache::EntryPtr MemoryCache::makeEntry(std::string_view key) {
  void* memory = ::operator new(sizeof(Entry) + key.size());
  EntryPtr entry(new (memory) Entry);
  entry->keySize = static_cast<std::uint32_t>(key.size());
  std::memcpy(reinterpret_cast<char*>(entry.get() + 1), key.data(), key.size());
  return entry;
}

std::uint64_t MemoryCache::hashOf(std::string_view key) {
  constexpr std::size_t kTail = 16;
  if (key.size() < kTail) return std::hash<std::string_view>{}(key);
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, key.data() + key.size() - kTail, sizeof high);
  std::memcpy(&low, key.data() + key.size() - sizeof low, sizeof low);
  // splitmix64's finaliser: every bit of the sixteen characters reaches every bit of the hash.
  std::uint64_t h = high * 0x9E3779B97F4A7C15ULL ^ low;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

MemoryCache::Shard& MemoryCache::shardOf(std::uint64_t hash) {
  // The high bits: a shard's slot is taken from the low ones.
  return shards_[(hash >> 56) % kShardCount];
}

std::size_t MemoryCache::Shard::find(std::uint64_t hash, std::string_view key) const {
  if (slots.empty()) return kNotFound;
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots[i];
    if (!slot.entry) return kNotFound;
    if (slot.hash == hash && slot.entry->key() == key) return i;
  }
}

void MemoryCache::Shard::insert(std::uint64_t hash, EntryPtr entry) {
  if ((size + 1) * 2 > slots.size()) {
    // Grown by rehashing into a table twice as long, never more than half full.
    std::vector<Slot> old(std::max(kFirstCapacity, slots.size() * 2));
    old.swap(slots);
    size = 0;
    for (auto& slot : old) {
      if (slot.entry) insert(slot.hash, std::move(slot.entry));
    }
  }
  const std::size_t mask = slots.size() - 1;
  std::size_t i = hash & mask;
  while (slots[i].entry) i = (i + 1) & mask;
  slots[i] = Slot{hash, std::move(entry)};
  ++size;
}

void MemoryCache::Shard::eraseAt(std::size_t hole) {
  // Backward-shift deletion: the entries after the hole that could sit in it move up, so that no
  // probe ever meets an empty slot before the entry it looks for (no tombstones to clean up).
  const std::size_t mask = slots.size() - 1;
  slots[hole].entry.reset();
  for (std::size_t next = (hole + 1) & mask; slots[next].entry; next = (next + 1) & mask) {
    const std::size_t home = slots[next].hash & mask;
    // The entry at `next` may move to `hole` unless its home lies cyclically in (hole, next].
    const bool homeBetween =
        hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (homeBetween) continue;
    slots[hole] = std::move(slots[next]);
    hole = next;
  }
  --size;
}

template <typename Keep>
std::size_t MemoryCache::Shard::retainOnly(Keep keep) {
  std::vector<Slot> old(slots.size());
  old.swap(slots);
  const std::size_t before = size;
  size = 0;
  for (auto& slot : old) {
    if (slot.entry && keep(*slot.entry)) insert(slot.hash, std::move(slot.entry));
  }
  return before - size;
}

std::uint64_t MemoryCache::erase(const std::string& key, bool wholeDataset) {
  if (!wholeDataset) {
    const auto hash = hashOf(key);
    auto& shard = shardOf(hash);
    std::lock_guard lock(shard.mutex);
    const auto slot = shard.find(hash, key);
    if (slot == Shard::kNotFound) return 0;
    shard.eraseAt(slot);
    return 1;
  }
  std::uint64_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    removed +=
        shard.retainOnly([&](const Entry& entry) { return !isCacheKeyOf(entry.key(), key); });
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
    const auto hash = hashOf(keys[i]);
    auto& shard = shardOf(hash);
    std::lock_guard lock(shard.mutex);
    auto slot = shard.find(hash, keys[i]);
    if (slot != Shard::kNotFound && shard.slots[slot].entry->expires <= now) {
      shard.eraseAt(slot);
      slot = Shard::kNotFound;
    }
    if (slot == Shard::kNotFound) {
      answer.markMissedIn(tier_);
      continue;
    }
    const Entry& entry = *shard.slots[slot].entry;
    if (entry.row) {
      answer.row = entry.row;
    } else {
      answer.bytes = entry.bytes;
    }
    ++found;
  }
  hits_ += found;
  misses_ += keys.size() - found;
  done(std::move(result));
}

void MemoryCache::store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) {
  if (ttl <= std::chrono::milliseconds::zero()) return;
  // Made and decoded here, once, outside the shard's lock, rather than on every hit.
  EntryPtr stored = makeEntry(key);
  if (auto decoded = decodeCachedRow(bytes)) {
    stored->row = std::make_shared<const CachedRow>(std::move(*decoded));
  } else {
    stored->bytes = std::move(bytes);
  }
  const auto now = Clock::now();
  const auto expires = now + ttl;
  stored->expires = expires;
  const auto hash = hashOf(key);
  auto& shard = shardOf(hash);
  EntryPtr replaced;  // released after the lock: its row may be the last reference
  {
    std::lock_guard lock(shard.mutex);
    const auto slot = shard.find(hash, key);
    if (slot != Shard::kNotFound) {
      replaced = std::exchange(shard.slots[slot].entry, std::move(stored));
    } else {
      if (shard.size >= maxPerShard_) makeRoom(shard, now);
      shard.insert(hash, std::move(stored));
    }
    shard.earliestExpiry = std::min(shard.earliestExpiry, expires);
  }
}

void MemoryCache::makeRoom(Shard& shard, Clock::time_point now) {
  if (shard.earliestExpiry <= now) {
    auto earliest = Clock::time_point::max();
    shard.retainOnly([&](const Entry& entry) {
      if (entry.expires <= now) return false;
      earliest = std::min(earliest, entry.expires);
      return true;
    });
    shard.earliestExpiry = earliest;
  }
  if (shard.size < maxPerShard_) return;
  // Full of live entries: one goes, the next found from where the last search stopped.
  const std::size_t mask = shard.slots.size() - 1;
  std::size_t i = shard.evictFrom & mask;
  while (!shard.slots[i].entry) i = (i + 1) & mask;
  shard.evictFrom = i + 1;
  shard.eraseAt(i);
}

std::size_t MemoryCache::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.size;
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
