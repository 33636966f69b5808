#include "policies/ClientRateLimiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <set>

namespace oncegate {

namespace {
using std::chrono::nanoseconds;

// A bucket never used yet is full at any time.
constexpr std::int64_t kAlwaysFull = std::numeric_limits<std::int64_t>::min();
constexpr double kNanosPerSecond = 1e9;
}  // namespace

std::chrono::seconds ClientRateLimiter::Decision::retryAfterSeconds() const {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(retryAfter));
}

ClientRateLimiter::Shard& ClientRateLimiter::shardOf(std::string_view id) {
  return shards_[IdHash{}(id) % kShardCount];
}

ClientRateLimiter::Decision ClientRateLimiter::tryAcquire(const Client& client,
                                                          Clock::time_point now,
                                                          const RateLimit* defaultLimit) {
  const RateLimit* limit = client.rateLimit ? &*client.rateLimit : defaultLimit;
  if (limit == nullptr) return {};
  const auto nowNanos = std::chrono::duration_cast<nanoseconds>(now.time_since_epoch()).count();
  auto& shard = shardOf(client.id);
  {
    std::shared_lock lock(shard.mutex);
    if (auto found = shard.buckets.find(client.id); found != shard.buckets.end()) {
      return take(found->second, *limit, nowNanos);
    }
  }
  std::unique_lock lock(shard.mutex);
  auto& bucket = shard.buckets.try_emplace(client.id, kAlwaysFull).first->second;
  return take(bucket, *limit, nowNanos);
}

ClientRateLimiter::Decision ClientRateLimiter::take(Bucket& bucket, const RateLimit& limit,
                                                    std::int64_t nowNanos) {
  // The time one token takes to come back, and how far ahead of now the bucket may be full
  // while still holding a token (burst - 1 of them).
  const auto interval = static_cast<std::int64_t>(std::llround(kNanosPerSecond / limit.perSecond));
  const auto tolerance = interval * (limit.burst - 1);
  auto stored = bucket.load(std::memory_order_relaxed);
  for (;;) {
    auto fullAt = std::max(stored, nowNanos);
    // Only a lowered limit leaves the bucket further ahead than one request above its burst:
    // treat it as empty under the new limit, not as a debt that the old burst ran up.
    const auto ceiling = nowNanos + tolerance + interval;
    const bool lowered = fullAt > ceiling;
    if (lowered) fullAt = ceiling;
    if (fullAt - nowNanos > tolerance) {
      // Best effort: if another thread moved the bucket, its write is as good as this one.
      if (lowered) bucket.compare_exchange_strong(stored, fullAt, std::memory_order_relaxed);
      const auto wait = nanoseconds(fullAt - nowNanos - tolerance);
      return {false, std::chrono::ceil<std::chrono::milliseconds>(wait)};
    }
    if (bucket.compare_exchange_weak(stored, fullAt + interval, std::memory_order_relaxed)) {
      return {};
    }
  }
}

void ClientRateLimiter::retainOnly(const std::vector<Client>& clients, bool defaultLimited) {
  std::set<std::string_view> limited;
  for (const auto& client : clients) {
    if (client.rateLimit || defaultLimited) limited.insert(client.id);
  }
  for (auto& shard : shards_) {
    std::unique_lock lock(shard.mutex);
    std::erase_if(shard.buckets, [&](const auto& entry) { return !limited.contains(entry.first); });
  }
}

std::size_t ClientRateLimiter::bucketCount() const {
  std::size_t count = 0;
  for (const auto& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    count += shard.buckets.size();
  }
  return count;
}

}  // namespace oncegate
