#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oncegate {

class DatasetCache;
class RedisPubSubChannel;

// Removes rows from the cache of every instance sharing it: from the shared tier and this
// instance's local tier at once, and from the other instances' local tiers through a message on
// a Redis channel named after the cache's hash key (instances sharing a cache share that key).
// The message is a hint: an instance that misses it serves its local copy for at most
// cache.local_ttl. Without a channel (no Redis) this instance is the only one.
class CacheInvalidation {
 public:
  using EraseLocal = std::function<void(const std::string& keyOrPrefix, bool wholeDataset)>;

  static constexpr std::string_view kChannelPrefix = "oncegate:cache:";

  // "oncegate:cache:" and 16 hex digits of HMAC(hashKey, ...): the key itself never leaves.
  static std::string channelFor(std::string_view hashKey);
  // "d <prefix>" for a whole dataset, "k <key>" for one entry.
  static std::string message(const std::string& keyOrPrefix, bool wholeDataset);
  static std::optional<std::pair<std::string, bool>> parseMessage(std::string_view payload);

  // `eraseLocal` empties this instance's local tier only (the shared tier was emptied by the
  // instance that sent the message); `channel` may be null.
  CacheInvalidation(DatasetCache& cache, EraseLocal eraseLocal, RedisPubSubChannel* channel);

  // Listens on the channel (its thread calls eraseLocal). The channel must outlive stop().
  void start();

  // DatasetCache::erase, then tells the other instances. Blocking; throws as erase does.
  std::uint64_t erase(const std::string& keyOrPrefix, bool wholeDataset);

 private:
  DatasetCache& cache_;
  EraseLocal eraseLocal_;
  RedisPubSubChannel* channel_;
};

}  // namespace oncegate
