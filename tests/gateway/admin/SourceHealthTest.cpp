#include <gtest/gtest.h>

#include <chrono>

#include "gateway/admin/SourceHealth.h"

namespace oncegate {
namespace {

using State = SourceHealth::State;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(SourceHealthTest, ASourceNeverConnectedIsIdleWithoutLatency) {
  const auto health = SourceHealth::of(SourceStats{});
  EXPECT_EQ(health.state, State::Idle);
  EXPECT_EQ(SourceHealth::stateName(health.state), "idle");
  EXPECT_FALSE(health.breakerOpen);
  EXPECT_EQ(health.latency.queries, 0U);
  EXPECT_FALSE(health.latency.meanMs);
  EXPECT_FALSE(health.latency.p50Ms);
}

TEST(SourceHealthTest, DownBeatsAnOpenBreakerWhichBeatsHavingConnected) {
  SourceStats stats;
  stats.connects = 3;
  EXPECT_EQ(SourceHealth::of(stats).state, State::Healthy);
  stats.breakerOpen = true;
  EXPECT_EQ(SourceHealth::of(stats).state, State::Failing);
  EXPECT_TRUE(SourceHealth::of(stats).breakerOpen);
  stats.down = true;
  EXPECT_EQ(SourceHealth::of(stats).state, State::Down);
  EXPECT_EQ(SourceHealth::stateName(State::Down), "down");
  // A first connect that failed: down, though it never connected.
  SourceStats never;
  never.down = true;
  EXPECT_EQ(SourceHealth::of(never).state, State::Down);
}

TEST(SourceHealthTest, PercentilesAreTheUpperBoundsOfTheBucketsHoldingThem) {
  LatencyHistogram histogram;
  // 90 queries at 0.8 ms (bucket <= 1 ms), 9 at 20 ms (<= 25 ms), 1 at 3 s (<= 10 s).
  for (int i = 0; i < 90; ++i) histogram.observe(microseconds(800));
  for (int i = 0; i < 9; ++i) histogram.observe(milliseconds(20));
  histogram.observe(milliseconds(3000));
  SourceStats stats;
  stats.connects = 1;
  stats.queryDuration = histogram.snapshot();
  const auto health = SourceHealth::of(stats);
  EXPECT_EQ(health.latency.queries, 100U);
  EXPECT_DOUBLE_EQ(*health.latency.p50Ms, 1.0);
  EXPECT_DOUBLE_EQ(*health.latency.p90Ms, 1.0);  // the 90th of 100 is still at 0.8 ms
  EXPECT_DOUBLE_EQ(*health.latency.p99Ms, 25.0);
  EXPECT_NEAR(*health.latency.meanMs, (90 * 0.8 + 9 * 20 + 3000) / 100.0, 1e-6);
  EXPECT_DOUBLE_EQ(*SourceHealth::percentileMs(stats.queryDuration, 100), 10000.0);
}

TEST(SourceHealthTest, APercentilePastTheLastBoundIsUnknown) {
  LatencyHistogram histogram;
  histogram.observe(std::chrono::seconds(11));
  EXPECT_FALSE(SourceHealth::percentileMs(histogram.snapshot(), 50));
}

}  // namespace
}  // namespace oncegate
