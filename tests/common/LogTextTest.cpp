#include <gtest/gtest.h>

#include <string>

#include "common/LogText.h"

namespace oncegate {
namespace {

TEST(LogTextTest, LeavesOrdinaryTextAlone) {
  EXPECT_EQ(logText("retirement/表格-1 ok"), "retirement/表格-1 ok");
}

TEST(LogTextTest, EscapesEveryControlCharacterSoNoLineCanBeForged) {
  EXPECT_EQ(logText("a\nb"), "a\\nb");
  EXPECT_EQ(logText("a\r\nrequest x status=200"), "a\\r\\nrequest x status=200");
  EXPECT_EQ(logText(std::string("t\tz\x1b[31m\x7f", 9)), "t\\tz\\x1b[31m\\x7f");
  EXPECT_EQ(logText(std::string("nul\0x", 5)), "nul\\x00x");
  // C1 controls (here CSI, U+009B, and NEL, U+0085) are control characters too.
  EXPECT_EQ(logText("a\xc2\x9b"
                    "2J\xc2\x85"),
            "a\\u009b2J\\u0085");
  // A backslash is escaped, so that an escape in the log always means a control character.
  EXPECT_EQ(logText("a\\nb"), "a\\\\nb");
}

}  // namespace
}  // namespace oncegate
