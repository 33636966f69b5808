#include <gtest/gtest.h>

#include <memory>

#include "gateway/service/InflightQueries.h"

namespace oncegate {
namespace {

using Clock = InflightQueries::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

QueryOutcome found() { return QueryOutcome{Row{}, std::nullopt, {}}; }

TEST(InflightQueriesTest, TheFirstCallerLeadsAndEveryWaiterGetsTheOutcome) {
  InflightQueries inflight;
  const auto deadline = Clock::now() + seconds(10);
  int answered = 0;
  auto waiter = [&](const QueryOutcome& outcome) { answered += outcome.row ? 1 : 100; };
  const auto leader = inflight.join("k", deadline, waiter);
  EXPECT_TRUE(leader.leads);
  EXPECT_FALSE(inflight.join("k", deadline, waiter).leads);
  EXPECT_TRUE(inflight.join("other", deadline, waiter).leads);
  inflight.complete("k", leader.flight, found());
  EXPECT_EQ(answered, 2);
  // The key is free again: the next miss leads a new query.
  EXPECT_TRUE(inflight.join("k", deadline, waiter).leads);
}

TEST(InflightQueriesTest, AFlightPastItsDeadlineIsSupersededByTheNextCaller) {
  InflightQueries inflight;
  int late = 0;
  int fresh = 0;
  EXPECT_TRUE(
      inflight.join("k", Clock::now() - milliseconds(1), [&](const QueryOutcome&) { ++late; })
          .leads);
  const auto next =
      inflight.join("k", Clock::now() + seconds(10), [&](const QueryOutcome&) { ++fresh; });
  EXPECT_TRUE(next.leads);
  inflight.complete("k", next.flight, found());
  EXPECT_EQ(late, 0);  // its own deadline had passed: it gave up
  EXPECT_EQ(fresh, 1);
}

// Hazard 4 of issue 8: complete() was keyed by the cache key only, so the late answer of a
// superseded (timed-out) query completed the newer flight, and waiters that had joined the old
// flight with a later deadline of their own were dropped when it was superseded.
TEST(InflightQueriesTest, TheLateAnswerOfASupersededFlightCompletesNothing) {
  InflightQueries inflight;
  int woken = 0;
  const auto stuck = inflight.join("k", Clock::now() - milliseconds(1), [](const QueryOutcome&) {});
  const auto next =
      inflight.join("k", Clock::now() + seconds(10), [&](const QueryOutcome&) { ++woken; });
  ASSERT_TRUE(next.leads);
  ASSERT_NE(stuck.flight, next.flight);
  inflight.complete("k", stuck.flight, found());
  EXPECT_EQ(woken, 0);
  // The new flight still gathers waiters, and its own answer wakes them all.
  EXPECT_FALSE(
      inflight.join("k", Clock::now() + seconds(10), [&](const QueryOutcome&) { ++woken; }).leads);
  inflight.complete("k", next.flight, found());
  EXPECT_EQ(woken, 2);
}

TEST(InflightQueriesTest, WaitersStillWaitingMoveToTheFlightThatSupersedesTheirs) {
  InflightQueries inflight;
  int patient = 0;
  const auto start = Clock::now();
  const auto leader = inflight.join(
      "k", start + milliseconds(20), [](const QueryOutcome&) {}, start);
  ASSERT_TRUE(leader.leads);
  // Joined the first flight, but is willing to wait far longer than its leader.
  ASSERT_FALSE(inflight
                   .join(
                       "k", start + seconds(10), [&](const QueryOutcome&) { ++patient; },
                       start + milliseconds(1))
                   .leads);
  // Past the leader's deadline, the next caller leads a new flight.
  const auto later = start + milliseconds(30);
  const auto next = inflight.join(
      "k", later + seconds(10), [](const QueryOutcome&) {}, later);
  ASSERT_TRUE(next.leads);
  inflight.complete("k", next.flight, found());
  EXPECT_EQ(patient, 1);
}

// The executor abandons every flight when it goes: the waiters (which hold requests bound to
// loops about to go) are dropped without being called, and a late answer finds nothing.
TEST(InflightQueriesTest, AbandonAllDropsEveryWaiterWithoutCallingIt) {
  InflightQueries inflight;
  int called = 0;
  auto held = std::make_shared<int>(0);
  const auto leader = inflight.join("k", Clock::now() + seconds(10),
                                    [&called, held](const QueryOutcome&) { ++called; });
  const std::weak_ptr<int> watch = held;
  held.reset();
  ASSERT_FALSE(watch.expired());
  inflight.abandonAll();
  EXPECT_TRUE(watch.expired());
  inflight.complete("k", leader.flight, found());
  EXPECT_EQ(called, 0);
}

}  // namespace
}  // namespace oncegate
