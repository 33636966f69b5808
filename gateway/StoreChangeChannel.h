#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/cache/RedisEndpoint.h"

struct redisContext;

namespace oncegate {

// Tells the instances sharing a control store that it holds a new version, and hears them tell
// this one: Redis pub/sub on a channel named after the store. Only a hint that shortens the wait
// for the store poll: a message may be lost (Redis down, a reconnect), so the poll stays the
// guarantee. One thread of its own does all Redis I/O, so publish() never waits on Redis.
class StoreChangeChannel {
 public:
  // The store version a message names; nullopt when it may have changed without a message
  // (this channel has just (re)subscribed, so messages may have been missed) or the message
  // was not understood.
  using Listener = std::function<void(std::optional<std::uint64_t> version)>;

  static constexpr std::string_view kChannelPrefix = "oncegate:store:";
  static constexpr std::chrono::milliseconds kConnectTimeout{250};
  // Every reply (PUBLISH, AUTH, a PING's) must come within this, or the connection is dropped.
  static constexpr std::chrono::milliseconds kReplyTimeout{250};
  static constexpr std::chrono::milliseconds kFirstRetryDelay{100};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{2000};
  // A subscriber hears nothing while nobody changes anything: it pings to find a dead link.
  static constexpr std::chrono::milliseconds kPingInterval{5000};

  // The channel of the store `storeConnection` (an ODBC connection string): its passwords
  // blanked, then hashed, so that neither secrets nor host names show in Redis, and gateways on
  // different stores sharing one Redis do not wake each other. Pub/sub ignores SELECT, so the
  // name alone separates stores.
  static std::string channelFor(std::string_view storeConnection);
  static std::string message(std::uint64_t version);
  // The version a message names; nullopt unless it is a decimal number above 0.
  static std::optional<std::uint64_t> parseMessage(std::string_view payload);

  StoreChangeChannel(RedisEndpoint endpoint, std::string channel);
  ~StoreChangeChannel();  // stops
  StoreChangeChannel(const StoreChangeChannel&) = delete;
  StoreChangeChannel& operator=(const StoreChangeChannel&) = delete;

  // Subscribes on the channel's thread and calls `listener` there for every message, and once
  // after every successful (re)subscription. Redis being down is logged once per outage.
  void start(Listener listener);
  // Returns within a second, even while Redis does not answer (the connect and reply timeouts).
  void stop();

  // Announces that the store holds `version`; returns at once (the thread publishes). When
  // announcements pile up, only the highest is sent. A failure is logged once per outage.
  void publish(std::uint64_t version);

  const std::string& channel() const { return channel_; }
  // Messages heard on the channel, this instance's own included.
  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  bool subscribed() const { return subscribed_.load(std::memory_order_relaxed); }

 private:
  void run();
  void publishPending();
  bool subscribe();
  // Waits for a message, an announcement or stop() up to the next ping; drops the subscriber
  // when Redis goes away.
  void listen();
  void dropSubscriber(const std::string& why);
  // Waits up to `delay` for stop() or publish().
  void pause(std::chrono::milliseconds delay);
  void wake();
  void drainWakeups();
  redisContext* connect(std::string& why) const;

  const RedisEndpoint endpoint_;
  const std::string channel_;
  Listener listener_;
  int wakeFd_ = -1;  // an eventfd: publish() and stop() interrupt the thread's poll
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  std::mutex pendingMutex_;
  std::uint64_t pending_ = 0;  // the version to announce; 0 = none

  // Used by the thread only.
  redisContext* subscriber_ = nullptr;
  redisContext* publisher_ = nullptr;
  std::chrono::steady_clock::time_point lastHeard_;
  std::chrono::steady_clock::time_point lastPing_;
  bool subscribeReported_ = false;  // an outage was logged; the next success says so
  bool publishReported_ = false;

  std::atomic<std::uint64_t> received_{0};
  std::atomic<bool> subscribed_{false};
};

}  // namespace oncegate
