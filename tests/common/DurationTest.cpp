#include <gtest/gtest.h>

#include "common/Duration.h"

namespace oncegate {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(parseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(parseDuration("2s"), milliseconds(2000));
  EXPECT_EQ(parseDuration("10m"), milliseconds(600'000));
  EXPECT_EQ(parseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parseDuration("1d"), milliseconds(86'400'000));
}

TEST(DurationTest, RejectsMalformedDurations) {
  for (const char* text :
       {"", "10", "s", "-1s", "1.5s", "10 m", "10min", "99999999999999999999d"}) {
    EXPECT_FALSE(parseDuration(text)) << text;
  }
}

TEST(DurationTest, ParsesByteSizes) {
  EXPECT_EQ(parseByteSize("512"), 512U);
  EXPECT_EQ(parseByteSize("64KiB"), 65536U);
  EXPECT_EQ(parseByteSize("1MiB"), 1048576U);
  EXPECT_EQ(parseByteSize("2MB"), 2000000U);
  EXPECT_FALSE(parseByteSize("1mb"));
  EXPECT_FALSE(parseByteSize("MiB"));
}

}  // namespace
}  // namespace oncegate
