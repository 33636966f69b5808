#include <gtest/gtest.h>

#include "common/AsciiCase.h"

namespace oncegate {
namespace {

TEST(AsciiCaseTest, LettersCompareWithoutCaseOtherBytesExactly) {
  EXPECT_TRUE(equalsIgnoringAsciiCase("Account_Balance", "account_BALANCE"));
  EXPECT_TRUE(equalsIgnoringAsciiCase("PWD", "pwd"));
  EXPECT_TRUE(equalsIgnoringAsciiCase("", ""));
  EXPECT_FALSE(equalsIgnoringAsciiCase("name", "names"));
  EXPECT_FALSE(equalsIgnoringAsciiCase("a_b", "a-b"));
  EXPECT_TRUE(equalsIgnoringAsciiCase("余额A", "余额a"));
  EXPECT_FALSE(equalsIgnoringAsciiCase("Ä", "ä"));  // not ASCII: byte for byte
}

}  // namespace
}  // namespace oncegate
