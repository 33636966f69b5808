#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/Error.h"
#include "mappings/Field.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Field parseField(const std::string& flowMap) {
  return Field::parse(ConfigNode::parse("- " + flowMap + "\n", "test.yaml").items().front());
}

std::string errorOf(const std::string& text) {
  try {
    Field::parse(ConfigNode::parse(text, "test.yaml").items().front());
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

Field typed(const std::string& type, const std::string& extra = {}) {
  return parseField("{ id: f.x, dataset: d, column: c, type: " + type + extra + " }");
}

Row rowOf(Value value) { return Row{{"C"}, {std::move(value)}}; }

// The converted value, or the message of the SourceUnavailable error it raised.
std::string convertedText(const Field& field, const Value& raw) {
  try {
    const auto value = field.valueFrom(rowOf(raw));
    return std::string(valueKindName(value.kind())) + ":" + value.toString();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::SourceUnavailable);
    return "error: " + e.message();
  }
}

TEST(FieldTest, ParsesFlowMapWithDefaults) {
  const auto field = parseField("{ id: person.name, dataset: hr.employee, column: name }");
  EXPECT_EQ(field.id(), "person.name");
  EXPECT_EQ(field.dataset(), "hr.employee");
  EXPECT_EQ(field.column(), "name");
  EXPECT_EQ(field.type(), ValueKind::String);
  EXPECT_FALSE(field.scale().has_value());
  EXPECT_EQ(field.transform(), Field::Transform::None);
  EXPECT_EQ(field.sharing(), SharingClass::Conditional);
  EXPECT_EQ(field.sensitivity(), "internal");
  EXPECT_EQ(field.location(), "test.yaml:1");
}

TEST(FieldTest, ParsesEveryAttribute) {
  const auto field = parseField(
      "{ id: fund.balance, dataset: fund.account, column: balance, type: decimal, scale: 2, "
      "sharing: unconditional, sensitivity: personal, description: Balance }");
  EXPECT_EQ(field.type(), ValueKind::Decimal);
  EXPECT_EQ(field.scale(), 2);
  EXPECT_EQ(field.sharing(), SharingClass::Unconditional);
  EXPECT_EQ(field.sensitivity(), "personal");
  EXPECT_EQ(field.description(), "Balance");
}

TEST(FieldTest, DecimalPrintsTheDeclaredScaleWithoutFloatingPoint) {
  const auto field = typed("decimal", ", scale: 2");
  EXPECT_EQ(convertedText(field, Value::string("108618.5")), "decimal:108618.50");
  EXPECT_EQ(convertedText(field, Value::decimal("108618.5")), "decimal:108618.50");
  EXPECT_EQ(convertedText(field, Value::decimal("108618.50")), "decimal:108618.50");
  EXPECT_EQ(convertedText(field, Value::integer(7)), "decimal:7.00");
  EXPECT_EQ(convertedText(field, Value::string("0.125")), "decimal:0.13");
  EXPECT_EQ(convertedText(field, Value::string("99.995")), "decimal:100.00");
  EXPECT_EQ(convertedText(field, Value::string("-12.345")), "decimal:-12.35");
  EXPECT_EQ(convertedText(field, Value::string("-0.004")), "decimal:0.00");
  EXPECT_EQ(convertedText(field, Value::string("1.5e3")), "decimal:1500.00");
  EXPECT_EQ(convertedText(field, Value::string("0.30000000000000004")), "decimal:0.30");
  EXPECT_EQ(convertedText(field, Value::string("12345678901234567890.1")),
            "decimal:12345678901234567890.10");
}

TEST(FieldTest, DecimalWithoutScaleKeepsTheSourceDigits) {
  const auto field = typed("decimal");
  EXPECT_EQ(convertedText(field, Value::decimal("0012.50")), "decimal:12.50");
  EXPECT_EQ(convertedText(field, Value::string("-0")), "decimal:0");
  EXPECT_EQ(convertedText(field, Value::string(".5")), "decimal:0.5");
  EXPECT_EQ(convertedText(field, Value::integer(-3)), "decimal:-3");
}

TEST(FieldTest, DecimalRejectsText) {
  const auto field = typed("decimal", ", scale: 2");
  const auto text = convertedText(field, Value::string("12a"));
  EXPECT_THAT(text,
              HasSubstr("field f.x: column c holds a string value that is not a valid decimal"));
  EXPECT_THAT(text, Not(HasSubstr("12a")));
  EXPECT_THAT(convertedText(field, Value::boolean(true)), HasSubstr("error: "));
  EXPECT_THAT(convertedText(field, Value::string("1e999")), HasSubstr("error: "));
}

TEST(FieldTest, IntFromIntAndIntegralText) {
  const auto field = typed("int");
  EXPECT_EQ(convertedText(field, Value::integer(5)), "int:5");
  EXPECT_EQ(convertedText(field, Value::string("42")), "int:42");
  EXPECT_EQ(convertedText(field, Value::string("-42.00")), "int:-42");
  EXPECT_THAT(convertedText(field, Value::string("42.5")), HasSubstr("not a valid int"));
  EXPECT_THAT(convertedText(field, Value::string("99999999999999999999")),
              HasSubstr("not a valid int"));
  EXPECT_THAT(convertedText(field, Value::boolean(true)), HasSubstr("holds a bool value"));
}

TEST(FieldTest, BoolFromBoolIntAndText) {
  const auto field = typed("bool");
  EXPECT_EQ(convertedText(field, Value::boolean(false)), "bool:false");
  EXPECT_EQ(convertedText(field, Value::integer(1)), "bool:true");
  EXPECT_EQ(convertedText(field, Value::integer(0)), "bool:false");
  EXPECT_EQ(convertedText(field, Value::string("t")), "bool:true");
  EXPECT_EQ(convertedText(field, Value::string("FALSE")), "bool:false");
  EXPECT_EQ(convertedText(field, Value::string("1")), "bool:true");
  EXPECT_THAT(convertedText(field, Value::integer(2)), HasSubstr("not a valid bool"));
  EXPECT_THAT(convertedText(field, Value::string("yes")), HasSubstr("not a valid bool"));
}

TEST(FieldTest, DateFromDateDatetimeAndText) {
  const auto field = typed("date");
  EXPECT_EQ(convertedText(field, Value::date("1960-01-01")), "date:1960-01-01");
  EXPECT_EQ(convertedText(field, Value::datetime("1960-01-01T08:30:00")), "date:1960-01-01");
  EXPECT_EQ(convertedText(field, Value::string("1960-02-29 00:00:00")), "date:1960-02-29");
  EXPECT_THAT(convertedText(field, Value::string("1961-02-29")), HasSubstr("not a valid date"));
  EXPECT_THAT(convertedText(field, Value::string("19600101")), HasSubstr("not a valid date"));
  EXPECT_THAT(convertedText(field, Value::string("1960-01-01x")), HasSubstr("not a valid date"));
  EXPECT_THAT(convertedText(field, Value::integer(19600101)), HasSubstr("not a valid date"));
}

TEST(FieldTest, DatetimeUsesTBetweenDateAndTime) {
  const auto field = typed("datetime");
  EXPECT_EQ(convertedText(field, Value::string("2026-01-31 08:00:00")),
            "datetime:2026-01-31T08:00:00");
  EXPECT_EQ(convertedText(field, Value::string("2026-01-31T08:00")),
            "datetime:2026-01-31T08:00:00");
  EXPECT_EQ(convertedText(field, Value::string("2026-01-31 08:00:00.250+08:00")),
            "datetime:2026-01-31T08:00:00.250+08:00");
  EXPECT_EQ(convertedText(field, Value::datetime("2026-01-31T08:00:00")),
            "datetime:2026-01-31T08:00:00");
  EXPECT_EQ(convertedText(field, Value::date("2026-01-31")), "datetime:2026-01-31T00:00:00");
  EXPECT_THAT(convertedText(field, Value::string("2026-01-31 25:00:00")),
              HasSubstr("not a valid datetime"));
  EXPECT_THAT(convertedText(field, Value::string("2026-01-31")), HasSubstr("not a valid datetime"));
}

TEST(FieldTest, StringFromAnyKind) {
  const auto field = typed("string");
  EXPECT_EQ(convertedText(field, Value::integer(42)), "string:42");
  EXPECT_EQ(convertedText(field, Value::decimal("1.50")), "string:1.50");
  EXPECT_EQ(convertedText(field, Value::boolean(true)), "string:true");
  EXPECT_EQ(convertedText(field, Value::date("2026-01-31")), "string:2026-01-31");
}

TEST(FieldTest, AppliesTransformsAfterConversion) {
  EXPECT_EQ(
      convertedText(typed("string", ", transform: trim"), Value::string(" \t张三\xE3\x80\x80")),
      "string:张三");
  EXPECT_EQ(convertedText(typed("string", ", transform: trim"), Value::string(" \t ")), "string:");
  EXPECT_EQ(
      convertedText(typed("string", ", transform: upper"), Value::string("33010219600101001x")),
      "string:33010219600101001X");
  EXPECT_EQ(convertedText(typed("string", ", transform: lower"), Value::string("AbC张")),
            "string:abc张");
}

TEST(FieldTest, NullStaysNull) {
  EXPECT_TRUE(typed("decimal", ", scale: 2").valueFrom(rowOf(Value::null())).isNull());
  EXPECT_TRUE(typed("string", ", transform: trim").valueFrom(rowOf(Value::null())).isNull());
}

TEST(FieldTest, FindsTheColumnIgnoringCase) {
  const auto field = parseField("{ id: person.name, dataset: hr.employee, column: name }");
  const Row row{{"ID", "NAME"}, {Value::integer(1), Value::string("张三")}};
  EXPECT_EQ(field.valueFrom(row), Value::string("张三"));
}

TEST(FieldTest, MissingColumnIsAMappingMismatch) {
  const auto field = parseField("{ id: person.name, dataset: hr.employee, column: name }");
  const Row row{{"id"}, {Value::integer(1)}};
  try {
    field.valueFrom(row);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::SourceUnavailable);
    EXPECT_EQ(e.message(),
              "field person.name: column name is not in the row of dataset hr.employee");
  }
}

TEST(FieldTest, RejectsUnknownType) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  type: money\n"),
              HasSubstr("test.yaml:4: unknown type 'money'"));
}

TEST(FieldTest, RejectsScaleOnNonDecimal) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  type: int\n  scale: 2\n"),
              HasSubstr("test.yaml:5: scale applies to decimal fields only"));
}

TEST(FieldTest, RejectsScaleOutOfRange) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  type: decimal\n  scale: 99\n"),
              HasSubstr("test.yaml:5: expected a number from 0 to 38"));
}

TEST(FieldTest, RejectsUnknownTransform) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  transform: reverse\n"),
              HasSubstr("test.yaml:4: unknown transform 'reverse'"));
}

TEST(FieldTest, RejectsTransformOnNonString) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  type: date\n  transform: trim\n"),
              HasSubstr("test.yaml:5: transforms apply to string fields only"));
}

TEST(FieldTest, RejectsUnknownSharingClass) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  sharing: sometimes\n"),
              HasSubstr("test.yaml:4: unknown sharing class 'sometimes'"));
}

TEST(FieldTest, RejectsUnknownSensitivity) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  sensitivity: secret\n"),
              HasSubstr("test.yaml:4: unknown sensitivity 'secret'"));
}

TEST(FieldTest, RejectsUnknownKey) {
  EXPECT_THAT(errorOf("- { id: f, dataset: d, column: c, colour: red }\n"),
              HasSubstr("test.yaml:1: unknown key 'colour'"));
}

TEST(FieldTest, RejectsMissingColumn) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n"),
              HasSubstr("test.yaml:1: missing required key 'column'"));
}

TEST(FieldTest, ReadsTheIndicatorItCarries) {
  const auto field = parseField(
      "{ id: person.name, dataset: d, column: c, indicator: { id: natural_person.name, "
      "authoritative: true } }");
  ASSERT_TRUE(field.indicator());
  EXPECT_EQ(field.indicator()->id, "natural_person.name");
  EXPECT_TRUE(field.indicator()->authoritative);
  const auto copy =
      parseField("{ id: p.n, dataset: d, column: c, indicator: { id: natural_person.name } }");
  EXPECT_FALSE(copy.indicator()->authoritative);
  EXPECT_FALSE(parseField("{ id: p.n, dataset: d, column: c }").indicator());
}

TEST(FieldTest, RejectsAnIndicatorWithAnUnknownKey) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  indicator: { id: x, main: true }\n"),
              HasSubstr("unknown key 'main'"));
}

TEST(FieldTest, RejectsAnIndicatorWithoutAnId) {
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  indicator: { authoritative: true }\n"),
              HasSubstr("missing required key 'id'"));
  EXPECT_THAT(errorOf("- id: f\n  dataset: d\n  column: c\n  indicator: { id: \"\" }\n"),
              HasSubstr("test.yaml:4: expected a non-empty string"));
}

TEST(FieldTest, RejectsAnAuthoritativeFlagThatIsNotABoolean) {
  EXPECT_THAT(
      errorOf("- id: f\n  dataset: d\n  column: c\n  indicator: { id: x, authoritative: often }\n"),
      HasSubstr("test.yaml:4"));
}

}  // namespace
}  // namespace oncegate
