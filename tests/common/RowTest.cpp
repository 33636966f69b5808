#include <gtest/gtest.h>

#include "common/ColumnPosition.h"
#include "common/Row.h"

namespace oncegate {
namespace {

Row rowOf(std::vector<std::string> columns) {
  Row row;
  for (const auto& column : columns) row.values.push_back(Value::string("value of " + column));
  row.columns = std::move(columns);
  return row;
}

TEST(RowTest, PrefersTheExactNameToOneDifferingInCase) {
  const Row row = rowOf({"NAME", "name"});
  ASSERT_NE(row.find("name"), nullptr);
  EXPECT_EQ(row.find("name")->text(), "value of name");
  EXPECT_EQ(row.find("Name")->text(), "value of NAME");
  EXPECT_EQ(row.find("age"), nullptr);
}

// The position remembered from one row is only a guess for the next: a row of another layout
// (another query, an older cache entry) is searched in full and the position follows it.
TEST(RowTest, FindsAColumnThatMovedSinceThePreviousRow) {
  ColumnPosition last;
  const Row first = rowOf({"id", "name", "gender"});
  const Row moved = rowOf({"gender", "id", "name"});
  const Row shorter = rowOf({"name"});
  ASSERT_NE(first.find("gender", last), nullptr);
  EXPECT_EQ(first.find("gender", last)->text(), "value of gender");
  EXPECT_EQ(last.get(), 2U);
  EXPECT_EQ(moved.find("gender", last)->text(), "value of gender");
  EXPECT_EQ(last.get(), 0U);
  EXPECT_EQ(moved.find("name", last)->text(), "value of name");
  EXPECT_EQ(last.get(), 2U);
  EXPECT_EQ(shorter.find("name", last)->text(), "value of name");
  EXPECT_EQ(shorter.find("gender", last), nullptr);
  EXPECT_EQ(last.get(), 0U);  // nothing found: left where it was
}

// Where an exact name and one differing only in case both exist, the remembered position never
// makes the lookup answer another column than the full search would.
TEST(RowTest, ARememberedPositionNeverChangesWhichColumnIsFound) {
  ColumnPosition last;
  const Row row = rowOf({"Name", "name"});
  last.set(0);
  EXPECT_EQ(row.find("name", last)->text(), "value of name");
  EXPECT_EQ(row.find("name", last)->text(), "value of name");
}

// A position remembered from a wider row may lie past the end of this one: prefetching there
// touches nothing (the sanitizer and the library's assertions would say otherwise).
TEST(RowTest, PrefetchingAPositionPastTheEndTouchesNothing) {
  ColumnPosition last;
  last.set(5);
  const Row row = rowOf({"id", "name"});
  row.prefetch(last);
  Row ragged = rowOf({"id", "name"});
  ragged.values.pop_back();
  last.set(1);
  ragged.prefetch(last);
  EXPECT_EQ(ragged.find("name", last), nullptr);
}

}  // namespace
}  // namespace oncegate
