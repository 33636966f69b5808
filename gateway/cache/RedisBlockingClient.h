#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/Error.h"
#include "gateway/cache/RedisEndpoint.h"

struct redisContext;

namespace oncegate {

// One blocking Redis connection for the rare calls made off the I/O threads (an admin's cache
// invalidation): connects, logs in and selects the database as the endpoint says, and gives up
// on any reply slower than `timeout`. With Sentinel it connects to the master the sentinels
// name, and a failure makes them be asked again (RedisSentinelDiscovery::suspect). Errors:
// CacheUnavailable, with Redis' text in the detail.
class RedisBlockingClient {
 public:
  RedisBlockingClient(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);

  // A connection logged in and named as the endpoint says (AUTH, SELECT, CLIENT SETNAME), with
  // TCP keepalive and every reply due within `replyTimeout`; the caller owns it (redisFree).
  // Throws CacheUnavailable, Redis' words in the detail (never the password).
  static redisContext* connect(const RedisEndpoint& endpoint,
                               std::chrono::milliseconds connectTimeout,
                               std::chrono::milliseconds replyTimeout);
  // The gateway's check at startup: connects and runs the setup commands once. Redis refusing one
  // (a wrong password, an unknown user, a database out of range) is a configuration error
  // (InvalidConfig, Redis' words in the message, never the password): the gateway must not start
  // and serve misses forever. Redis not answering is CacheUnavailable: it may come back later.
  static void checkLogin(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);
  ~RedisBlockingClient();
  RedisBlockingClient(const RedisBlockingClient&) = delete;
  RedisBlockingClient& operator=(const RedisBlockingClient&) = delete;

  // One SCAN step over keys matching the glob `pattern`: the next cursor ("0" when done) and the
  // keys of this step.
  std::pair<std::string, std::vector<std::string>> scan(const std::string& cursor,
                                                        const std::string& pattern);
  // UNLINK (frees memory in the background); returns how many of `keys` existed.
  std::uint64_t unlink(const std::vector<std::string>& keys);

  // `text` with the glob's special characters escaped, to match it literally in a pattern.
  static std::string globEscaped(std::string_view text);

 private:
  RedisBlockingClient() = default;
  // Runs a command given as its arguments; throws CacheUnavailable on a failure or an error reply.
  struct Reply;
  Reply run(const std::vector<std::string>& arguments);
  // connect(), with an error reply to a setup command thrown as `refusal`. With Sentinel, the
  // master the sentinels name (RedisSentinelDiscovery), which must answer ROLE as the master.
  static redisContext* open(const RedisEndpoint& endpoint, std::chrono::milliseconds connectTimeout,
                            std::chrono::milliseconds replyTimeout, ErrorCode refusal);
  // open() on the data node at endpoint.host:port.
  static redisContext* openNode(const RedisEndpoint& endpoint,
                                std::chrono::milliseconds connectTimeout,
                                std::chrono::milliseconds replyTimeout, ErrorCode refusal,
                                bool mustBeMaster);

  redisContext* context_ = nullptr;
};

}  // namespace oncegate
