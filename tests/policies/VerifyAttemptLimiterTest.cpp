#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/Error.h"
#include "policies/VerifyAttemptLimiter.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = VerifyAttemptLimiter::Clock;

const Clock::time_point kStart = Clock::time_point(1000h);
const VerifyAttemptLimit kFivePerHour{.count = 5, .per = 1h};
const std::string kSecret = "a-secret-of-at-least-thirty-two-characters";

std::string key(std::string_view client, std::string_view subject, std::string_view field) {
  return VerifyAttemptLimiter::keyOf(kSecret, client, "person", subject, field);
}

TEST(VerifyAttemptLimiterTest, AllowsCountGuessesPerWindowThenRefusesUntilItCloses) {
  VerifyAttemptLimiter limiter;
  const auto k = key("app", "330102196001010011", "person.phone");
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(limiter.tryAttempt("app", k, kFivePerHour, kStart + 1s * i).allowed) << i;
  const auto refused = limiter.tryAttempt("app", k, kFivePerHour, kStart + 10min);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 50min);
  EXPECT_FALSE(limiter.tryAttempt("app", k, kFivePerHour, kStart + 1h - 1ms).allowed);
  EXPECT_TRUE(limiter.tryAttempt("app", k, kFivePerHour, kStart + 1h).allowed);
}

TEST(VerifyAttemptLimiterTest, CountsPerClientSubjectAndField) {
  VerifyAttemptLimiter limiter;
  const auto k = key("app", "A", "person.phone");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(limiter.tryAttempt("app", k, kFivePerHour, kStart).allowed);
  EXPECT_FALSE(limiter.tryAttempt("app", k, kFivePerHour, kStart).allowed);
  EXPECT_TRUE(
      limiter.tryAttempt("app", key("app", "B", "person.phone"), kFivePerHour, kStart).allowed);
  EXPECT_TRUE(
      limiter.tryAttempt("app", key("app", "A", "person.name"), kFivePerHour, kStart).allowed);
  EXPECT_TRUE(
      limiter.tryAttempt("other", key("other", "A", "person.phone"), kFivePerHour, kStart).allowed);
}

TEST(VerifyAttemptLimiterTest, KeysAreKeyedHashesWithoutTheSubjectInClear) {
  const auto k = key("app", "330102196001010011", "person.phone");
  EXPECT_EQ(k.size(), 32U);
  EXPECT_THAT(k, ::testing::Not(HasSubstr("330102")));
  EXPECT_NE(k, VerifyAttemptLimiter::keyOf("another-secret-of-thirty-two-characters", "app",
                                           "person", "330102196001010011", "person.phone"));
  // The separator keeps ("ab","c") and ("a","bc") apart.
  EXPECT_NE(VerifyAttemptLimiter::keyOf(kSecret, "ab", "c", "s", "f"),
            VerifyAttemptLimiter::keyOf(kSecret, "a", "bc", "s", "f"));
}

TEST(VerifyAttemptLimiterTest, MemoryIsBoundedPerClientAndFailsClosed) {
  VerifyAttemptLimiter limiter(3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        limiter
            .tryAttempt("app", key("app", std::to_string(i), "f"), kFivePerHour, kStart + 1min * i)
            .allowed);
  }
  // A fourth subject: no room until the oldest window closes; evicting would reset a count.
  const auto refused = limiter.tryAttempt("app", key("app", "3", "f"), kFivePerHour, kStart + 5min);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 55min);
  // Open windows still count, another client is not affected.
  EXPECT_TRUE(limiter.tryAttempt("app", key("app", "0", "f"), kFivePerHour, kStart + 5min).allowed);
  EXPECT_TRUE(
      limiter.tryAttempt("other", key("other", "3", "f"), kFivePerHour, kStart + 5min).allowed);
  EXPECT_EQ(limiter.windowCount(), 4U);
  // Once the oldest has closed, its room is free again.
  EXPECT_TRUE(limiter.tryAttempt("app", key("app", "3", "f"), kFivePerHour, kStart + 1h).allowed);
  EXPECT_EQ(limiter.windowCount(), 4U);
}

TEST(VerifyAttemptLimiterTest, ForgetsRemovedClients) {
  VerifyAttemptLimiter limiter;
  ASSERT_TRUE(limiter.tryAttempt("gone", key("gone", "A", "f"), kFivePerHour, kStart).allowed);
  ASSERT_TRUE(limiter.tryAttempt("kept", key("kept", "A", "f"), kFivePerHour, kStart).allowed);
  Client kept;
  kept.id = "kept";
  limiter.retainOnly({kept});
  EXPECT_EQ(limiter.windowCount(), 1U);
}

std::string rejection(const std::string& yaml) {
  try {
    VerifyAttemptLimit::parse(ConfigNode::parse(yaml, "gateway.yaml"));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

TEST(VerifyAttemptLimitTest, ParsesAndKeepsDefaultsForKeysLeftOut) {
  const auto limit = VerifyAttemptLimit::parse(ConfigNode::parse("{ count: 3, per: 10m }", "x"));
  EXPECT_EQ(limit.count, 3);
  EXPECT_EQ(limit.per, 10min);
  const auto defaults = VerifyAttemptLimit::parse(ConfigNode::parse("{ count: 7 }", "x"));
  EXPECT_EQ(defaults.per, VerifyAttemptLimit{}.per);
}

TEST(VerifyAttemptLimitTest, RejectsUnknownKeys) {
  EXPECT_THAT(rejection("{ count: 3, every: 1h }"), HasSubstr("unknown key 'every'"));
}

TEST(VerifyAttemptLimitTest, RejectsACountOutOfRange) {
  EXPECT_THAT(rejection("{ count: 0 }"), HasSubstr("expected a number from 1"));
}

TEST(VerifyAttemptLimitTest, RejectsAZeroOrMalformedWindow) {
  EXPECT_THAT(rejection("{ per: 0s }"), HasSubstr("per must be above 0"));
  EXPECT_THAT(rejection("{ per: soon }"), HasSubstr("expected a duration"));
}

}  // namespace
}  // namespace oncegate
