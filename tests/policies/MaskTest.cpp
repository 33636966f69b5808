#include <gtest/gtest.h>

#include <string>

#include "policies/Mask.h"

namespace oncegate {
namespace {

constexpr std::string_view kKey = "mask-key";

TEST(MaskTest, ShowLast4HidesAllButTheLastFourCharacters) {
  EXPECT_EQ(applyMask(MaskKind::ShowLast4, Value::string("330102196001010011"), kKey),
            Value::string("**************0011"));
  EXPECT_EQ(applyMask(MaskKind::ShowLast4, Value::string("12345"), kKey), Value::string("*2345"));
}

TEST(MaskTest, ShowLast4CountsCharactersNotBytes) {
  // Six characters, eighteen bytes: two hidden, four shown whole.
  EXPECT_EQ(applyMask(MaskKind::ShowLast4, Value::string("浙江省杭州市"), kKey),
            Value::string("**省杭州市"));
}

TEST(MaskTest, ShowLast4HidesShortValuesWhole) {
  EXPECT_EQ(applyMask(MaskKind::ShowLast4, Value::string("1234"), kKey), Value::string("****"));
  EXPECT_EQ(applyMask(MaskKind::ShowLast4, Value::string("张三"), kKey), Value::string("**"));
}

TEST(MaskTest, ShowFirst1KeepsTheFirstCharacter) {
  EXPECT_EQ(applyMask(MaskKind::ShowFirst1, Value::string("张三丰"), kKey), Value::string("张**"));
  EXPECT_EQ(applyMask(MaskKind::ShowFirst1, Value::string("张三"), kKey), Value::string("张*"));
  EXPECT_EQ(applyMask(MaskKind::ShowFirst1, Value::string("Alice"), kKey), Value::string("A****"));
  EXPECT_EQ(applyMask(MaskKind::ShowFirst1, Value::string("张"), kKey), Value::string("*"));
}

TEST(MaskTest, HashIsKeyedHmacTruncatedTo32HexDigits) {
  // RFC-style HMAC-SHA256 test vector: key "key", "The quick brown fox jumps over the lazy dog".
  EXPECT_EQ(applyMask(MaskKind::Hash, Value::string("The quick brown fox jumps over the lazy dog"),
                      "key"),
            Value::string("f7bc83f430538424b13298e6aa6fb143"));
}

TEST(MaskTest, HashWithoutAKeyFailsClosed) {
  // An unkeyed digest of an identifier can be reversed by hashing guesses.
  EXPECT_EQ(applyMask(MaskKind::Hash, Value::string("330102196001010011"), ""),
            Value::string("***"));
}

TEST(MaskTest, HashIsStableAndDependsOnKeyAndValue) {
  const auto first = applyMask(MaskKind::Hash, Value::string("330102196001010011"), kKey);
  EXPECT_EQ(first, applyMask(MaskKind::Hash, Value::string("330102196001010011"), kKey));
  EXPECT_NE(first, applyMask(MaskKind::Hash, Value::string("330102196001010012"), kKey));
  EXPECT_NE(first, applyMask(MaskKind::Hash, Value::string("330102196001010011"), "other-key"));
  EXPECT_EQ(first.kind(), ValueKind::String);
  EXPECT_EQ(first.text().size(), 32u);
}

TEST(MaskTest, HashWorksOnCanonicalText) {
  EXPECT_EQ(applyMask(MaskKind::Hash, Value::integer(42), kKey),
            applyMask(MaskKind::Hash, Value::string("42"), kKey));
  EXPECT_EQ(applyMask(MaskKind::Hash, Value::decimal("12.50"), kKey),
            applyMask(MaskKind::Hash, Value::string("12.50"), kKey));
}

TEST(MaskTest, YearOnlyKeepsTheYearOfDates) {
  EXPECT_EQ(applyMask(MaskKind::YearOnly, Value::date("1960-01-01"), kKey), Value::string("1960"));
  EXPECT_EQ(applyMask(MaskKind::YearOnly, Value::datetime("1985-07-01T08:00:00"), kKey),
            Value::string("1985"));
  // Not a date: fails closed.
  EXPECT_EQ(applyMask(MaskKind::YearOnly, Value::string("1960-01-01"), kKey), Value::string("***"));
}

TEST(MaskTest, RedactHidesEverything) {
  EXPECT_EQ(applyMask(MaskKind::Redact, Value::string("张三"), kKey), Value::string("***"));
  EXPECT_EQ(applyMask(MaskKind::Redact, Value::integer(7), kKey), Value::string("***"));
}

TEST(MaskTest, MaskedValuesAreStrings) {
  const auto masked = applyMask(MaskKind::ShowLast4, Value::integer(123456), kKey);
  EXPECT_EQ(masked, Value::string("**3456"));
  EXPECT_EQ(masked.kind(), ValueKind::String);
}

TEST(MaskTest, NullStaysNullAndNoneChangesNothing) {
  for (auto kind : {MaskKind::ShowLast4, MaskKind::ShowFirst1, MaskKind::Hash, MaskKind::YearOnly,
                    MaskKind::Redact, MaskKind::None}) {
    EXPECT_TRUE(applyMask(kind, Value::null(), kKey).isNull()) << maskKindName(kind);
  }
  EXPECT_EQ(applyMask(MaskKind::None, Value::integer(7), kKey), Value::integer(7));
}

TEST(MaskTest, NamesRoundTrip) {
  for (auto kind : {MaskKind::ShowLast4, MaskKind::ShowFirst1, MaskKind::Hash, MaskKind::YearOnly,
                    MaskKind::Redact, MaskKind::None}) {
    EXPECT_EQ(parseMaskKind(maskKindName(kind)), kind);
  }
  EXPECT_EQ(parseMaskKind("show_last_4"), MaskKind::ShowLast4);
  EXPECT_FALSE(parseMaskKind("scramble").has_value());
}

}  // namespace
}  // namespace oncegate
