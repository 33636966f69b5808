#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "gateway/cache/RowCodec.h"

namespace oncegate {
namespace {

Row everyKind() {
  Row row;
  row.columns = {"name", "empty", "nothing", "count",   "negative", "max",
                 "min",  "yes",   "no",      "balance", "birth",    "seen"};
  row.values = {Value::string("张三"),
                Value::string(""),
                Value::null(),
                Value::integer(42),
                Value::integer(-7),
                Value::integer(std::numeric_limits<std::int64_t>::max()),
                Value::integer(std::numeric_limits<std::int64_t>::min()),
                Value::boolean(true),
                Value::boolean(false),
                Value::decimal("-12345.670"),
                Value::date("1960-01-01"),
                Value::datetime("2026-11-26T08:30:00")};
  return row;
}

TEST(RowCodecTest, EveryKindRoundTripsExactly) {
  const Row row = everyKind();
  const auto decoded = decodeCachedRow(encodeCachedRow(row));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ(**decoded, row);
  for (std::size_t i = 0; i < row.values.size(); ++i) {
    EXPECT_EQ((*decoded)->values[i].kind(), row.values[i].kind()) << row.columns[i];
  }
}

TEST(RowCodecTest, EmptyStringAndNullStayDistinct) {
  Row row{{"a", "b"}, {Value::string(""), Value::null()}};
  const auto decoded = decodeCachedRow(encodeCachedRow(row));
  ASSERT_TRUE(decoded && *decoded);
  EXPECT_EQ((*decoded)->values[0].kind(), ValueKind::String);
  EXPECT_TRUE((*decoded)->values[1].isNull());
}

TEST(RowCodecTest, TextKindsWithTheSameTextStayDistinct) {
  Row row{{"a", "b"}, {Value::decimal("1.50"), Value::string("1.50")}};
  const auto decoded = decodeCachedRow(encodeCachedRow(row));
  ASSERT_TRUE(decoded && *decoded);
  EXPECT_EQ((*decoded)->values[0].kind(), ValueKind::Decimal);
  EXPECT_EQ((*decoded)->values[1].kind(), ValueKind::String);
}

TEST(RowCodecTest, NoRowRoundTripsAsCachedNotFound) {
  const auto decoded = decodeCachedRow(encodeCachedRow(std::nullopt));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->has_value());
}

TEST(RowCodecTest, RowWithoutColumnsIsStillARow) {
  const auto decoded = decodeCachedRow(encodeCachedRow(Row{}));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_TRUE((*decoded)->columns.empty());
}

TEST(RowCodecTest, LongTextRoundTrips) {
  Row row{{std::string(300, 'c')}, {Value::string(std::string(100000, 'x') + "尾")}};
  const auto decoded = decodeCachedRow(encodeCachedRow(row));
  ASSERT_TRUE(decoded && *decoded);
  EXPECT_EQ(**decoded, row);
}

TEST(RowCodecTest, EveryTruncationIsCorrupt) {
  const std::string bytes = encodeCachedRow(everyKind());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(decodeCachedRow(std::string_view(bytes).substr(0, size)).has_value())
        << "truncated to " << size << " of " << bytes.size();
  }
}

TEST(RowCodecTest, TrailingBytesAreCorrupt) {
  EXPECT_FALSE(decodeCachedRow(encodeCachedRow(everyKind()) + "x").has_value());
  EXPECT_FALSE(decodeCachedRow(encodeCachedRow(std::nullopt) + "x").has_value());
}

TEST(RowCodecTest, UnknownVersionIsCorrupt) {
  std::string bytes = encodeCachedRow(everyKind());
  bytes[0] = 2;
  EXPECT_FALSE(decodeCachedRow(bytes).has_value());
}

TEST(RowCodecTest, UnknownPresenceOrKindIsCorrupt) {
  std::string presence = encodeCachedRow(std::nullopt);
  presence[1] = 7;
  EXPECT_FALSE(decodeCachedRow(presence).has_value());

  // One column "a" holding a value of kind 99.
  const std::string unknownKind{'\x01', '\x01', '\x01', '\x01', 'a', '\x01', '\x63'};
  EXPECT_FALSE(decodeCachedRow(unknownKind).has_value());
  // A bool stored as 2.
  const std::string badBool{'\x01', '\x01', '\x01', '\x01', 'a', '\x01', '\x04', '\x02'};
  EXPECT_FALSE(decodeCachedRow(badBool).has_value());
}

TEST(RowCodecTest, HugeCountsAreCorruptNotAllocated) {
  const std::string bytes{'\x01', '\x01', '\xff', '\xff', '\xff', '\xff', '\x0f'};
  EXPECT_FALSE(decodeCachedRow(bytes).has_value());
}

}  // namespace
}  // namespace oncegate
