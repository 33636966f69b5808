#include <gtest/gtest.h>

#include "gateway/reports/ConsistencyComparison.h"

namespace oncegate {
namespace {

using C = ConsistencyComparison;

TEST(ConsistencyComparisonTest, StringsAgreeWhateverTheirPadding) {
  EXPECT_TRUE(C::agree(Value::string("张三"), Value::string("  张三\t")));
  // Full-width and no-break spaces pad text typed on Chinese input methods and web forms.
  EXPECT_TRUE(C::agree(Value::string("张三"), Value::string("\xE3\x80\x80张三\xC2\xA0")));
  EXPECT_EQ(C::canonical(Value::string(" a b ")), "a b");
  EXPECT_FALSE(C::agree(Value::string("张三"), Value::string("张 三")));
  EXPECT_FALSE(C::agree(Value::string("Zhang"), Value::string("zhang")));
}

TEST(ConsistencyComparisonTest, NumbersAgreeWhateverTheirScale) {
  EXPECT_TRUE(C::agree(Value::decimal("12.50"), Value::decimal("12.5")));
  EXPECT_TRUE(C::agree(Value::decimal("12.00"), Value::integer(12)));
  EXPECT_EQ(C::canonical(Value::decimal("-0.00")), "0");
  EXPECT_EQ(C::canonical(Value::decimal("100")), "100");
  EXPECT_EQ(C::canonical(Value::decimal("100.10")), "100.1");
  EXPECT_FALSE(C::agree(Value::decimal("12.51"), Value::decimal("12.5")));
  EXPECT_FALSE(C::agree(Value::integer(120), Value::integer(12)));
}

TEST(ConsistencyComparisonTest, DatesAndTimesCompareCanonically) {
  EXPECT_TRUE(C::agree(Value::date("1990-03-07"), Value::date("1990-03-07")));
  // A date held as text in one department and as a date in another is the same datum.
  EXPECT_TRUE(C::agree(Value::date("1990-03-07"), Value::string("1990-03-07 ")));
  EXPECT_FALSE(C::agree(Value::date("1990-03-07"), Value::date("1990-07-03")));
  EXPECT_TRUE(
      C::agree(Value::datetime("2026-01-31T08:00:00.000"), Value::datetime("2026-01-31T08:00:00")));
  EXPECT_FALSE(
      C::agree(Value::datetime("2026-01-31T08:00:00.5"), Value::datetime("2026-01-31T08:00:00")));
}

TEST(ConsistencyComparisonTest, BooleansAndNull) {
  EXPECT_TRUE(C::agree(Value::boolean(true), Value::boolean(true)));
  EXPECT_FALSE(C::agree(Value::boolean(true), Value::boolean(false)));
  EXPECT_EQ(C::canonical(Value::null()), "");
}

}  // namespace
}  // namespace oncegate
