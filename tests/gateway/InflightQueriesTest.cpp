#include <gtest/gtest.h>

#include "gateway/InflightQueries.h"

namespace oncegate {
namespace {

using Clock = InflightQueries::Clock;

TEST(InflightQueriesTest, TheFirstCallerLeadsAndEveryWaiterGetsTheOutcome) {
  InflightQueries inflight;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  int answered = 0;
  auto waiter = [&](const QueryOutcome& outcome) { answered += outcome.row ? 1 : 100; };
  EXPECT_TRUE(inflight.join("k", deadline, waiter));
  EXPECT_FALSE(inflight.join("k", deadline, waiter));
  EXPECT_TRUE(inflight.join("other", deadline, waiter));
  inflight.complete("k", QueryOutcome{Row{}, std::nullopt, {}});
  EXPECT_EQ(answered, 2);
  // The key is free again: the next miss leads a new query.
  EXPECT_TRUE(inflight.join("k", deadline, waiter));
}

TEST(InflightQueriesTest, AFlightPastItsDeadlineNoLongerGathersWaiters) {
  InflightQueries inflight;
  int late = 0;
  int fresh = 0;
  EXPECT_TRUE(inflight.join("k", Clock::now() - std::chrono::milliseconds(1),
                            [&](const QueryOutcome&) { ++late; }));
  EXPECT_TRUE(inflight.join("k", Clock::now() + std::chrono::seconds(10),
                            [&](const QueryOutcome&) { ++fresh; }));
  inflight.complete("k", QueryOutcome{});
  EXPECT_EQ(late, 0);
  EXPECT_EQ(fresh, 1);
}

}  // namespace
}  // namespace oncegate
