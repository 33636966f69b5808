#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/UtcTimestamp.h"

namespace oncegate {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point at(long long millisSinceEpoch) {
  return system_clock::time_point(milliseconds(millisSinceEpoch));
}

TEST(UtcTimestampTest, WritesMillisecondsInUtc) {
  EXPECT_EQ(utcTimestamp(at(1'796'506'867'676)), "2026-12-05T21:41:07.676Z");
  EXPECT_EQ(utcTimestamp(at(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utcTimestamp(at(951'782'400'009)), "2000-02-29T00:00:00.009Z");
}

// Rounded down to the second: one millisecond before 1970 is 23:59:59.999 of the day before.
TEST(UtcTimestampTest, ATimeBefore1970KeepsItsMillisecondsPositive) {
  EXPECT_EQ(utcTimestamp(at(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utcTimestamp(at(-1'000)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(utcTimestamp(at(-1'001)), "1969-12-31T23:59:58.999Z");
}

// The date and time of day are kept from one call to the next within a second: a call for
// another second, later or earlier, must not reuse them.
TEST(UtcTimestampTest, EachSecondGetsItsOwnDateAndTime) {
  EXPECT_EQ(utcTimestamp(at(1'796'506'867'999)), "2026-12-05T21:41:07.999Z");
  EXPECT_EQ(utcTimestamp(at(1'796'506'868'000)), "2026-12-05T21:41:08.000Z");
  EXPECT_EQ(utcTimestamp(at(1'796'506'868'050)), "2026-12-05T21:41:08.050Z");
  EXPECT_EQ(utcTimestamp(at(1'796'506'867'001)), "2026-12-05T21:41:07.001Z");
  EXPECT_EQ(utcTimestamp(at(1'828'042'868'000)), "2027-12-05T21:41:08.000Z");
}

TEST(UtcTimestampTest, NowIsTheCurrentSecond) {
  std::string before;
  std::string text;
  std::string after;
  do {  // again if a second ended meanwhile
    before = utcTimestampSeconds();
    text = utcTimestamp();
    after = utcTimestampSeconds();
  } while (before != after);
  ASSERT_EQ(text.size(), 24U);
  EXPECT_EQ(text.substr(0, 19), before.substr(0, 19));
}

}  // namespace
}  // namespace oncegate
