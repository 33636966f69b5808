#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace oncegate {

// The kinds of value a field can hold (design: string, int, decimal, bool, date, datetime).
enum class ValueKind : std::uint8_t { Null, String, Int, Decimal, Bool, Date, DateTime };

// Parses a field type name from configuration ("string", "int", ...); false when unknown.
bool parseValueKind(std::string_view name, ValueKind& out);
std::string_view valueKindName(ValueKind kind);

// One scalar fetched from a source or served to a client. Decimals, dates and datetimes are kept
// as canonical text so that nothing is lost to floating point or time zones on the way through.
class Value {
 public:
  Value() = default;  // null

  static Value null() { return {}; }
  static Value string(std::string text) { return {ValueKind::String, std::move(text), 0}; }
  static Value integer(std::int64_t number) { return {ValueKind::Int, {}, number}; }
  static Value boolean(bool flag) { return {ValueKind::Bool, {}, flag ? 1 : 0}; }
  // `text` must already be canonical: "-12.50", "2026-01-31", "2026-01-31T08:00:00".
  static Value decimal(std::string text) { return {ValueKind::Decimal, std::move(text), 0}; }
  static Value date(std::string text) { return {ValueKind::Date, std::move(text), 0}; }
  static Value datetime(std::string text) { return {ValueKind::DateTime, std::move(text), 0}; }

  ValueKind kind() const { return kind_; }
  bool isNull() const { return kind_ == ValueKind::Null; }
  // Text of String, Decimal, Date and DateTime values.
  const std::string& text() const { return text_; }
  std::int64_t asInt() const { return number_; }
  bool asBool() const { return number_ != 0; }

  // Canonical text of any kind: what verify compares and masks work on ("" for null).
  std::string toString() const;

  friend bool operator==(const Value& a, const Value& b) = default;

 private:
  Value(ValueKind kind, std::string text, std::int64_t number)
      : kind_(kind), text_(std::move(text)), number_(number) {}

  ValueKind kind_ = ValueKind::Null;
  std::string text_;
  std::int64_t number_ = 0;
};

}  // namespace oncegate
