#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/cache/RedisEndpoint.h"

struct redisContext;

namespace oncegate {

class RedisSentinelDiscovery;

// One Redis pub/sub channel that instances sharing a Redis use to tell each other something at
// once (a new store version, a cache invalidation): publishes text messages and hears them. Only
// ever a hint: a message may be lost (Redis down, a reconnect), so whoever uses it has a way to
// get there without it. One thread of its own does all Redis I/O, so publish() never waits on
// Redis, and Redis being down never slows the caller. With Sentinel it talks to the master
// RedisSentinelDiscovery names and moves (resubscribes) as soon as that one changes.
class RedisPubSubChannel {
 public:
  // A message heard; nullopt after every successful (re)subscription, when messages may have
  // been missed.
  using Listener = std::function<void(std::optional<std::string_view> message)>;

  // How log lines name the channel's job and what happens while Redis is away.
  struct Wording {
    std::string what;      // "store changes"
    std::string fallback;  // "other instances find changes by polling the store"
  };

  static constexpr std::chrono::milliseconds kConnectTimeout{250};
  // Every reply (PUBLISH, AUTH, a PING's) must come within this, or the connection is dropped.
  static constexpr std::chrono::milliseconds kReplyTimeout{250};
  static constexpr std::chrono::milliseconds kFirstRetryDelay{100};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{2000};
  // A subscriber hears nothing while nobody says anything: it pings to find a dead link.
  static constexpr std::chrono::milliseconds kPingInterval{5000};
  // Messages waiting to be published beyond this are dropped, oldest first (Redis is away).
  static constexpr std::size_t kMaxPending = 1000;

  RedisPubSubChannel(RedisEndpoint endpoint, std::string channel, Wording wording);
  ~RedisPubSubChannel();  // stops
  RedisPubSubChannel(const RedisPubSubChannel&) = delete;
  RedisPubSubChannel& operator=(const RedisPubSubChannel&) = delete;

  // Subscribes on the channel's thread and calls `listener` there for every message (its own
  // included), and with nullopt after every successful (re)subscription. Redis being down is
  // logged once per outage.
  void start(Listener listener);
  // Returns within a second, even while Redis does not answer (the connect and reply timeouts).
  void stop();

  // Queues `message` and returns at once; the thread publishes it. A failure is logged once per
  // outage and the message dropped.
  void publish(std::string message);

  const std::string& channel() const { return channel_; }
  // Messages heard on the channel, this instance's own included.
  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  bool subscribed() const { return subscribed_.load(std::memory_order_relaxed); }

 private:
  void run();
  void publishPending();
  bool subscribe();
  // Waits for a message, a publish() or stop() up to the next ping; drops the subscriber when
  // Redis goes away.
  void listen();
  void dropSubscriber(const std::string& why);
  // Waits up to `delay` for stop() or publish().
  void pause(std::chrono::milliseconds delay);
  void wake();
  void drainWakeups();
  redisContext* connect(std::string& why) const;
  // Drops both connections after a master switch; they reconnect to the new master.
  void followMaster();
  // host:port, or the Sentinel master's name, for log lines.
  std::string where() const;

  const RedisEndpoint endpoint_;
  const std::string channel_;
  const Wording wording_;
  Listener listener_;
  int wakeFd_ = -1;  // an eventfd: publish() and stop() interrupt the thread's poll
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  std::mutex pendingMutex_;
  std::deque<std::string> pending_;
  bool overflowReported_ = false;  // under pendingMutex_

  // Used by the thread only.
  redisContext* subscriber_ = nullptr;
  redisContext* publisher_ = nullptr;
  std::chrono::steady_clock::time_point lastHeard_;
  std::chrono::steady_clock::time_point lastPing_;
  bool subscribeReported_ = false;  // an outage was logged; the next success says so
  bool publishReported_ = false;

  std::shared_ptr<RedisSentinelDiscovery> discovery_;  // Sentinel only, while started
  std::uint64_t masterMovedListener_ = 0;
  std::atomic<bool> masterMoved_{false};

  std::atomic<std::uint64_t> received_{0};
  std::atomic<bool> subscribed_{false};
};

}  // namespace oncegate
