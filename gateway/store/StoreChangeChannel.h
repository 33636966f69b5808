#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/cache/RedisEndpoint.h"
#include "gateway/cache/RedisPubSubChannel.h"

namespace oncegate {

// Tells the instances sharing a control store that it holds a new version, and hears them tell
// this one: a RedisPubSubChannel named after the store, whose messages are store versions. Only a
// hint that shortens the wait for the store poll, which stays the guarantee.
class StoreChangeChannel {
 public:
  // The store version a message names; nullopt when it may have changed without a message
  // (this channel has just (re)subscribed, so messages may have been missed) or the message
  // was not understood.
  using Listener = std::function<void(std::optional<std::uint64_t> version)>;

  static constexpr std::string_view kChannelPrefix = "oncegate:store:";

  // The channel of the store `storeConnection` (an ODBC connection string): its passwords
  // blanked, then hashed, so that neither secrets nor host names show in Redis, and gateways on
  // different stores sharing one Redis do not wake each other. Pub/sub ignores SELECT, so the
  // name alone separates stores.
  static std::string channelFor(std::string_view storeConnection);
  static std::string message(std::uint64_t version);
  // The version a message names; nullopt unless it is a decimal number above 0.
  static std::optional<std::uint64_t> parseMessage(std::string_view payload);

  StoreChangeChannel(RedisEndpoint endpoint, std::string channel);

  // Calls `listener` on the channel's thread for every version heard, and with nullopt after
  // every (re)subscription.
  void start(Listener listener);
  void stop() { channel_.stop(); }
  // Announces that the store holds `version`; returns at once.
  void publish(std::uint64_t version) { channel_.publish(message(version)); }

  const std::string& channel() const { return channel_.channel(); }
  std::uint64_t received() const { return channel_.received(); }
  bool subscribed() const { return channel_.subscribed(); }

 private:
  RedisPubSubChannel channel_;
};

}  // namespace oncegate
