#include <gtest/gtest.h>

#include "connectors/odbc/OdbcStatement.h"

namespace oncegate::odbc {
namespace {

TEST(OdbcStatementTest, CanonicalDecimalKeepsDriverDigitsAndPadsToScale) {
  EXPECT_EQ(canonicalDecimal("108618.50", 2), "108618.50");
  EXPECT_EQ(canonicalDecimal("108618.5", 2), "108618.50");
  EXPECT_EQ(canonicalDecimal("108618.5", 0), "108618.5");
  EXPECT_EQ(canonicalDecimal("12", 2), "12.00");
  EXPECT_EQ(canonicalDecimal("-.5", 0), "-0.5");
  EXPECT_EQ(canonicalDecimal("+007.25", 0), "7.25");
  EXPECT_EQ(canonicalDecimal("1.5E+3", 0), "1500");
  EXPECT_EQ(canonicalDecimal("1.25e-3", 0), "0.00125");
  EXPECT_EQ(canonicalDecimal("-0.00", 2), "0.00");
  EXPECT_EQ(canonicalDecimal(" 42 ", 0), "42");
}

TEST(OdbcStatementTest, CanonicalDecimalRejectsWhatIsNotANumber) {
  EXPECT_EQ(canonicalDecimal("NaN", 0), std::nullopt);
  EXPECT_EQ(canonicalDecimal("", 0), std::nullopt);
  EXPECT_EQ(canonicalDecimal("12abc", 0), std::nullopt);
  EXPECT_EQ(canonicalDecimal("1e", 0), std::nullopt);
}

TEST(OdbcStatementTest, Utf8FromUtf16HandlesEveryLength) {
  EXPECT_EQ(utf8FromUtf16(u"abc"), "abc");
  EXPECT_EQ(utf8FromUtf16(u"é"), "é");
  EXPECT_EQ(utf8FromUtf16(u"张三"), "张三");
  EXPECT_EQ(utf8FromUtf16(u"𠮷"), "𠮷");  // a surrogate pair
  EXPECT_EQ(utf8FromUtf16(std::u16string(1, char16_t{0xD800})), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace oncegate::odbc
