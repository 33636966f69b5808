#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/cache/RedisAddress.h"
#include "gateway/cache/RedisEndpoint.h"

struct redisReply;

namespace oncegate {

// Where the master of a Sentinel-monitored Redis is now, for every connection the gateway opens
// to it (the cache's per-loop connections, the pub/sub channels, admin invalidations).
//
// The sentinels are asked in their configured order (SENTINEL get-master-addr-by-name, after
// AUTH with the sentinel password when there is one); one that does not answer within
// kSentinelTimeout is skipped. One thread of its own does every blocking step (sentinel I/O and
// the name resolution hiredis does there), so that an I/O loop only ever reads master(). The
// thread also listens to one sentinel's +switch-master, so that clients move within about a
// second of a failover even while idle; it asks again every kRecheckInterval (a message missed
// while no sentinel was heard) and whenever a client suspects the master (a connection error, a
// timeout, READONLY or LOADING, ROLE not master).
//
// One discovery per (sentinels, master name, sentinel password) and process: of() shares it
// between the clients, and the last one to let go stops its thread.
class RedisSentinelDiscovery {
 public:
  // What one sentinel said.
  struct SentinelAnswer {
    enum class Kind : std::uint8_t {
      NoAnswer,       // down, slow, AUTH refused, an error reply
      UnknownMaster,  // it answered, and does not monitor a master by that name
      Master,
    };
    Kind kind = Kind::NoAnswer;
    RedisAddress master;  // Kind::Master
    std::string why;      // Kind::NoAnswer, for the log (never the password)
  };
  // Asks one sentinel where the master is. The real one is blocking hiredis; unit tests fake it.
  using AskSentinel = std::function<SentinelAnswer(const RedisAddress& sentinel)>;
  using MasterMoved = std::function<void()>;

  static constexpr std::chrono::milliseconds kSentinelTimeout{500};
  static constexpr std::chrono::milliseconds kRecheckInterval{5000};
  static constexpr std::chrono::milliseconds kFirstRetryDelay{100};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{2000};

  // The discovery shared by every client of `endpoint` (topology Sentinel), its thread started.
  static std::shared_ptr<RedisSentinelDiscovery> of(const RedisEndpoint& endpoint);

  // Not started: start() runs the thread (of() does). `ask` defaults to asking over the network.
  explicit RedisSentinelDiscovery(const RedisEndpoint& endpoint, AskSentinel ask = {});
  ~RedisSentinelDiscovery();  // stops
  RedisSentinelDiscovery(const RedisSentinelDiscovery&) = delete;
  RedisSentinelDiscovery& operator=(const RedisSentinelDiscovery&) = delete;

  void start();
  void stop();

  // The master as last discovered; nullopt before the first answer.
  std::optional<RedisAddress> master() const;
  // master(), waiting up to `patience` for a first answer (off the I/O loops only).
  std::optional<RedisAddress> waitForMaster(std::chrono::milliseconds patience) const;
  // A client found `master` failing or not the master: ask the sentinels again (soon, on the
  // thread). Ignored when the master known now is another one already.
  void suspect(const RedisAddress& master);

  // Called (on the discovery's thread) whenever the master's address changes, the first
  // discovery included. Keep it short (post to a loop, set a flag): it runs under a lock that
  // unlisten() also takes, so that no call is made once unlisten() has returned.
  std::uint64_t listen(MasterMoved moved);
  void unlisten(std::uint64_t id);

  // Asks the sentinels in order once and records the answer: the master, or nullopt when none
  // told one. Blocking; the thread's step, public for tests.
  std::optional<RedisAddress> discover();

  // Master changes seen (a known master replaced by another), and whether a master is known.
  std::uint64_t switches() const { return switches_.load(std::memory_order_relaxed); }
  bool masterKnown() const { return master().has_value(); }

  // The new master a +switch-master message names (payload "NAME OLD-IP OLD-PORT NEW-IP
  // NEW-PORT"), when NAME is `masterName`; else nullopt.
  static std::optional<RedisAddress> parseSwitchMaster(std::string_view payload,
                                                       std::string_view masterName);

  // Whether a data node's answer to ROLE says it is the master. A master demoted by a failover
  // still answers, as a replica: reads stale, writes refused.
  static bool saysMaster(const redisReply* roleReply);

  // "master NAME via sentinels h:p,h:p", for log lines in place of a host and port.
  std::string description() const;

 private:
  void run();
  void record(const std::optional<RedisAddress>& found);
  void pause(std::chrono::milliseconds delay);
  void wake();
  // Listens on one sentinel's +switch-master until stop(), suspect() or silence; false when no
  // sentinel could be subscribed to.
  bool followSwitches();

  RedisEndpoint endpoint_;
  AskSentinel ask_;
  int wakeFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> suspected_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable known_;
  std::optional<RedisAddress> master_;  // under mutex_
  bool reportedNone_ = false;           // thread only: "no sentinel answered" logged

  std::mutex listenersMutex_;
  std::map<std::uint64_t, MasterMoved> listeners_;
  std::uint64_t nextListener_ = 1;

  std::atomic<std::uint64_t> switches_{0};
};

}  // namespace oncegate
