#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policies/Client.h"

namespace oncegate {

// Decides whether a client's /v1 request fits its `rate_limit`, one token bucket per client id.
//
// Reloads: keep one limiter for the life of the process, across configuration snapshots. A
// bucket holds only the client's state (when its bucket will be full again); the limit itself is
// read from the Client passed to each call, so a new snapshot's limit applies from its first
// request with no update step, and an unrelated admin change does not hand every client a fresh
// burst, as rebuilding the limiter per snapshot would. After installing a snapshot, call
// retainOnly with its clients to drop the buckets of clients that were removed or lost their limit.
//
// Thread-safe. The hot path takes one shard's shared lock and makes a compare-and-swap on the
// client's bucket; it allocates only the first time a client id is seen.
class ClientRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    // When refused: how long until one request would be allowed (rounded up, at least 1 ms).
    std::chrono::milliseconds retryAfter{0};

    // The value of a Retry-After header, which takes whole seconds: rounded up, at least 1.
    std::chrono::seconds retryAfterSeconds() const;
  };

  // Takes one request from the client's bucket when one is there. A client without rate_limit is
  // held to `defaultLimit` (gateway.yaml limits.default_rate_limit), so that no client can flood
  // the sources (and open their breakers for everyone); without one it is always allowed. A
  // refusal takes nothing, so a client that retries too early only waits.
  Decision tryAcquire(const Client& client, Clock::time_point now,
                      const RateLimit* defaultLimit = nullptr);

  // Forgets every bucket except those of `clients` that have a limit: their own rate_limit, or
  // any client when `defaultLimited`.
  void retainOnly(const std::vector<Client>& clients, bool defaultLimited = false);

  std::size_t bucketCount() const;

 private:
  // Generic cell rate algorithm: a bucket is one number, the time at which it will be full
  // again (in nanoseconds of Clock), so taking a token is a single compare-and-swap.
  using Bucket = std::atomic<std::int64_t>;

  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, Bucket, IdHash, std::equal_to<>> buckets;
  };

  // Enough that I/O threads on different clients rarely share a lock's cache line.
  static constexpr std::size_t kShardCount = 16;

  Shard& shardOf(std::string_view id);
  static Decision take(Bucket& bucket, const RateLimit& limit, std::int64_t nowNanos);

  std::array<Shard, kShardCount> shards_;
};

}  // namespace oncegate
