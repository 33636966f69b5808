#include <gtest/gtest.h>

#include "connectors/CircuitBreaker.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Clock = CircuitBreaker::Clock;

TEST(CircuitBreakerTest, OpensAfterTheThresholdOfFailuresInARow) {
  CircuitBreaker breaker(3, 5s);
  const auto t = Clock::now();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker.allow(t));
    breaker.failed(t);
  }
  EXPECT_FALSE(breaker.open(t));
  breaker.succeeded();  // a success in between starts the count again
  for (int i = 0; i < 2; ++i) breaker.failed(t);
  EXPECT_TRUE(breaker.allow(t));
  breaker.failed(t);
  EXPECT_TRUE(breaker.open(t));
  EXPECT_FALSE(breaker.allow(t + 4s));
}

TEST(CircuitBreakerTest, HalfOpenLetsOneQueryThroughWhoseOutcomeDecides) {
  CircuitBreaker breaker(1, 5s);
  const auto t = Clock::now();
  breaker.failed(t);
  ASSERT_FALSE(breaker.allow(t + 1s));
  EXPECT_TRUE(breaker.allow(t + 5s));   // the trial
  EXPECT_FALSE(breaker.allow(t + 5s));  // only one while it runs
  EXPECT_TRUE(breaker.open(t + 5s));
  breaker.failed(t + 6s);  // the source is still failing: open again
  EXPECT_FALSE(breaker.allow(t + 10s));
  EXPECT_TRUE(breaker.allow(t + 11s));
  breaker.succeeded();  // back: closed, every query goes through
  EXPECT_FALSE(breaker.open(t + 11s));
  EXPECT_TRUE(breaker.allow(t + 11s));
  EXPECT_TRUE(breaker.allow(t + 11s));
}

}  // namespace
}  // namespace oncegate
