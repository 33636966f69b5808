#include "gateway/cache/CacheInvalidation.h"

#include <spdlog/spdlog.h>

#include "common/Digest.h"
#include "gateway/cache/DatasetCache.h"
#include "gateway/cache/RedisPubSubChannel.h"

namespace oncegate {

namespace {
constexpr std::size_t kChannelHashChars = 16;
constexpr std::string_view kWholeDataset = "d ";
constexpr std::string_view kOneEntry = "k ";
}  // namespace

std::string CacheInvalidation::channelFor(std::string_view hashKey) {
  return std::string(kChannelPrefix) +
         hmacSha256Hex(hashKey, "oncegate cache invalidation channel").substr(0, kChannelHashChars);
}

std::string CacheInvalidation::message(const std::string& keyOrPrefix, bool wholeDataset) {
  return std::string(wholeDataset ? kWholeDataset : kOneEntry) + keyOrPrefix;
}

std::optional<std::pair<std::string, bool>> CacheInvalidation::parseMessage(
    std::string_view payload) {
  const bool whole = payload.starts_with(kWholeDataset);
  if (!whole && !payload.starts_with(kOneEntry)) return std::nullopt;
  payload.remove_prefix(kWholeDataset.size());
  if (payload.empty()) return std::nullopt;
  return std::pair(std::string(payload), whole);
}

CacheInvalidation::CacheInvalidation(DatasetCache& cache, EraseLocal eraseLocal,
                                     RedisPubSubChannel* channel)
    : cache_(cache), eraseLocal_(std::move(eraseLocal)), channel_(channel) {}

void CacheInvalidation::start() {
  if (channel_ == nullptr) return;
  channel_->start([this](std::optional<std::string_view> heard) {
    if (!heard) return;  // a (re)subscription: what was missed ages out within local_ttl
    const auto parsed = parseMessage(*heard);
    if (!parsed) {
      spdlog::warn("cache invalidations: a message not understood was ignored");
      return;
    }
    eraseLocal_(parsed->first, parsed->second);
  });
}

std::uint64_t CacheInvalidation::erase(const std::string& keyOrPrefix, bool wholeDataset) {
  const auto removed = cache_.erase(keyOrPrefix, wholeDataset);
  if (channel_ != nullptr) channel_->publish(message(keyOrPrefix, wholeDataset));
  return removed;
}

}  // namespace oncegate
