#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/LatencyHistogram.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

TEST(LatencyHistogramTest, EachObservationLandsInTheFirstBucketThatHoldsIt) {
  LatencyHistogram histogram;
  histogram.observe(50us);   // <= 0.0001
  histogram.observe(100us);  // == 0.0001: bounds are inclusive, as Prometheus' le
  histogram.observe(3ms);    // <= 0.005
  histogram.observe(30s);    // +Inf
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.counts[0], 2u);
  EXPECT_EQ(snapshot.counts[5], 1u);
  EXPECT_EQ(snapshot.counts.back(), 1u);
  EXPECT_EQ(snapshot.count, 4u);
  EXPECT_NEAR(snapshot.sumSeconds, 30.00315, 1e-9);
}

TEST(LatencyHistogramTest, NegativeDurationsCountAsZero) {
  LatencyHistogram histogram;
  histogram.observe(-5ms);
  EXPECT_EQ(histogram.snapshot().counts[0], 1u);
  EXPECT_EQ(histogram.snapshot().sumSeconds, 0.0);
}

TEST(LatencyHistogramTest, ConcurrentObservationsAreAllCounted) {
  LatencyHistogram histogram;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < 10000; ++i) histogram.observe(1ms);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count, 40000u);
  EXPECT_EQ(snapshot.counts[3], 40000u);
}

}  // namespace
}  // namespace oncegate
