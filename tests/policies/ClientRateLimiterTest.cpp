#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "policies/ClientRateLimiter.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Clock = ClientRateLimiter::Clock;

// An arbitrary fixed origin: the limiter only ever sees the times a test hands it.
const Clock::time_point kStart = Clock::time_point(1000h);

Client clientWith(const std::string& id, std::optional<RateLimit> limit) {
  Client client;
  client.id = id;
  client.rateLimit = limit;
  return client;
}

// How many requests in a row are allowed at one instant.
int allowedAt(ClientRateLimiter& limiter, const Client& client, Clock::time_point now) {
  int allowed = 0;
  while (limiter.tryAcquire(client, now).allowed) {
    if (++allowed > 1000) break;
  }
  return allowed;
}

TEST(ClientRateLimiterTest, AllowsTheBurstThenRefuses) {
  ClientRateLimiter limiter;
  const auto client = clientWith("app", RateLimit{.perSecond = 2, .burst = 5});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.tryAcquire(client, kStart).allowed) << i;
  const auto refused = limiter.tryAcquire(client, kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 500ms);
  EXPECT_EQ(refused.retryAfterSeconds(), 1s);
}

TEST(ClientRateLimiterTest, RefillsAtTheConfiguredRate) {
  ClientRateLimiter limiter;
  const auto client = clientWith("app", RateLimit{.perSecond = 2, .burst = 5});
  EXPECT_EQ(allowedAt(limiter, client, kStart), 5);
  // One token comes back every 500 ms.
  EXPECT_FALSE(limiter.tryAcquire(client, kStart + 499ms).allowed);
  EXPECT_EQ(allowedAt(limiter, client, kStart + 500ms), 1);
  EXPECT_EQ(allowedAt(limiter, client, kStart + 1500ms), 2);
  // Refilling stops at the burst, however long the client was quiet.
  EXPECT_EQ(allowedAt(limiter, client, kStart + 1h), 5);
}

TEST(ClientRateLimiterTest, RetryAfterIsTheWaitForTheNextToken) {
  ClientRateLimiter limiter;
  const auto client = clientWith("app", RateLimit{.perSecond = 0.25, .burst = 1});
  EXPECT_TRUE(limiter.tryAcquire(client, kStart).allowed);
  auto refused = limiter.tryAcquire(client, kStart + 1500ms);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 2500ms);
  EXPECT_EQ(refused.retryAfterSeconds(), 3s);
  // A refused request takes nothing: waiting exactly the advertised time is enough.
  EXPECT_TRUE(limiter.tryAcquire(client, kStart + 1500ms + refused.retryAfter).allowed);
}

TEST(ClientRateLimiterTest, RetryAfterRoundsUpToWholeMilliseconds) {
  ClientRateLimiter limiter;
  const auto client = clientWith("app", RateLimit{.perSecond = 3, .burst = 1});
  EXPECT_TRUE(limiter.tryAcquire(client, kStart).allowed);
  // 333.33 ms to wait: rounding down would send the client back too early.
  EXPECT_EQ(limiter.tryAcquire(client, kStart).retryAfter, 334ms);
}

TEST(ClientRateLimiterTest, ClientsHaveIndependentBuckets) {
  ClientRateLimiter limiter;
  const auto first = clientWith("first", RateLimit{.perSecond = 1, .burst = 2});
  const auto second = clientWith("second", RateLimit{.perSecond = 1, .burst = 3});
  EXPECT_EQ(allowedAt(limiter, first, kStart), 2);
  EXPECT_EQ(allowedAt(limiter, second, kStart), 3);
  EXPECT_FALSE(limiter.tryAcquire(first, kStart).allowed);
  EXPECT_EQ(limiter.bucketCount(), 2u);
}

TEST(ClientRateLimiterTest, ClientWithoutLimitIsAlwaysAllowedAndHasNoBucket) {
  ClientRateLimiter limiter;
  const auto client = clientWith("free", std::nullopt);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.tryAcquire(client, kStart).allowed);
  EXPECT_EQ(limiter.bucketCount(), 0u);
}

TEST(ClientRateLimiterTest, RaisedLimitAppliesAtOnceToTheSameBucket) {
  ClientRateLimiter limiter;
  EXPECT_EQ(allowedAt(limiter, clientWith("app", RateLimit{.perSecond = 1, .burst = 2}), kStart),
            2);
  // The new snapshot's client: its two spent tokens stay spent, the extra three are there.
  EXPECT_EQ(allowedAt(limiter, clientWith("app", RateLimit{.perSecond = 1, .burst = 5}), kStart),
            3);
}

TEST(ClientRateLimiterTest, LoweredLimitLeavesAnEmptyBucketNotADebt) {
  ClientRateLimiter limiter;
  EXPECT_EQ(allowedAt(limiter, clientWith("app", RateLimit{.perSecond = 1, .burst = 100}), kStart),
            100);
  const auto lowered = clientWith("app", RateLimit{.perSecond = 1, .burst = 2});
  const auto refused = limiter.tryAcquire(lowered, kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 1s);
  // Refills at the new rate from now on, not after the old burst's 100 s.
  EXPECT_EQ(allowedAt(limiter, lowered, kStart + 1s), 1);
  EXPECT_EQ(allowedAt(limiter, lowered, kStart + 3s), 2);
}

TEST(ClientRateLimiterTest, KeepsBucketsAcrossSnapshotsAndForgetsRemovedClients) {
  ClientRateLimiter limiter;
  const auto kept = clientWith("kept", RateLimit{.perSecond = 1, .burst = 1});
  const auto removed = clientWith("removed", RateLimit{.perSecond = 1, .burst = 1});
  const auto unlimited = clientWith("unlimited", RateLimit{.perSecond = 1, .burst = 1});
  EXPECT_TRUE(limiter.tryAcquire(kept, kStart).allowed);
  EXPECT_TRUE(limiter.tryAcquire(removed, kStart).allowed);
  EXPECT_TRUE(limiter.tryAcquire(unlimited, kStart).allowed);
  EXPECT_EQ(limiter.bucketCount(), 3u);

  // The next snapshot: "removed" is gone and "unlimited" lost its limit.
  limiter.retainOnly({kept, clientWith("unlimited", std::nullopt)});
  EXPECT_EQ(limiter.bucketCount(), 1u);
  // An unrelated reload does not hand the remaining client a fresh burst.
  EXPECT_FALSE(limiter.tryAcquire(kept, kStart).allowed);
  // A client added again under a removed id starts full.
  EXPECT_TRUE(limiter.tryAcquire(removed, kStart).allowed);
}

// Issue 9, finding 8: a client without rate_limit could flood the sources and open their
// breakers for everyone. limits.default_rate_limit holds it; its own rate_limit still wins.
TEST(ClientRateLimiterTest, ClientsWithoutTheirOwnLimitAreHeldToTheDefault) {
  ClientRateLimiter limiter;
  const RateLimit byDefault{.perSecond = 1, .burst = 3};
  const auto plain = clientWith("plain", std::nullopt);
  const auto own = clientWith("own", RateLimit{.perSecond = 1, .burst = 5});
  int allowed = 0;
  while (limiter.tryAcquire(plain, kStart, &byDefault).allowed && allowed < 1000) ++allowed;
  EXPECT_EQ(allowed, 3);
  allowed = 0;
  while (limiter.tryAcquire(own, kStart, &byDefault).allowed && allowed < 1000) ++allowed;
  EXPECT_EQ(allowed, 5);
  // Buckets under the default survive a reload like the others.
  limiter.retainOnly({plain, own}, true);
  EXPECT_EQ(limiter.bucketCount(), 2u);
  EXPECT_FALSE(limiter.tryAcquire(plain, kStart, &byDefault).allowed);
}

TEST(ClientRateLimiterTest, ConcurrentCallersShareOneBurst) {
  ClientRateLimiter limiter;
  const auto client = clientWith("app", RateLimit{.perSecond = 1, .burst = 500});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.tryAcquire(client, kStart).allowed) allowed.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 500);
}

}  // namespace
}  // namespace oncegate
