#include "gateway/store/StoreChangeChannel.h"

#include <charconv>
#include <utility>

#include "common/Digest.h"
#include "connectors/SourceConfig.h"

namespace oncegate {

namespace {
// 64 bits of SHA-256: enough to keep a few stores apart, short enough to read in PUBSUB CHANNELS.
constexpr std::size_t kChannelHashChars = 16;
}  // namespace

std::string StoreChangeChannel::channelFor(std::string_view storeConnection) {
  return std::string(kChannelPrefix) +
         sha256Hex(redactConnectionString(storeConnection)).substr(0, kChannelHashChars);
}

std::string StoreChangeChannel::message(std::uint64_t version) { return std::to_string(version); }

std::optional<std::uint64_t> StoreChangeChannel::parseMessage(std::string_view payload) {
  std::uint64_t version = 0;
  const auto* end = payload.data() + payload.size();
  const auto parsed = std::from_chars(payload.data(), end, version);
  if (payload.empty() || parsed.ec != std::errc{} || parsed.ptr != end || version == 0) {
    return std::nullopt;
  }
  return version;
}

StoreChangeChannel::StoreChangeChannel(RedisEndpoint endpoint, std::string channel)
    : channel_(std::move(endpoint), std::move(channel),
               {"store changes", "other instances find changes by polling the store"}) {}

void StoreChangeChannel::start(Listener listener) {
  channel_.start([listener = std::move(listener)](std::optional<std::string_view> heard) {
    listener(heard ? parseMessage(*heard) : std::nullopt);
  });
}

}  // namespace oncegate
