#include "mappings/Field.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <string_view>
#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

constexpr std::array<std::string_view, 4> kSensitivities{"public", "internal", "personal",
                                                         "sensitive"};
// Exponents beyond this are not numbers a database column holds; refusing them bounds the work.
constexpr int kMaxExponent = 400;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Adds one unit in the last place to a string of decimal digits, growing it on overflow.
void incrementDigits(std::string& digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return;
    }
    *it = '0';
  }
  digits.insert(digits.begin(), '1');
}

// Exact text arithmetic, no double: "+0012.5e1" -> "125"; with `scale` the fraction is padded or
// rounded half away from zero to exactly that many digits. nullopt when `text` is not a number.
std::optional<std::string> canonicalDecimal(std::string_view text, std::optional<int> scale) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;
  std::int64_t point = -1;
  for (; i < text.size(); ++i) {
    if (isDigit(text[i])) {
      digits.push_back(text[i]);
    } else if (text[i] == '.' && point < 0) {
      point = static_cast<std::int64_t>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (point < 0) point = static_cast<std::int64_t>(digits.size());
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '+') ++i;
    int exponent = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), exponent);
    if (ec != std::errc{} || exponent > kMaxExponent || exponent < -kMaxExponent) {
      return std::nullopt;
    }
    point += exponent;
    i = static_cast<std::size_t>(end - text.data());
  }
  if (i != text.size()) return std::nullopt;

  if (point < 0) {
    digits.insert(0, static_cast<std::size_t>(-point), '0');
    point = 0;
  }
  if (static_cast<std::size_t>(point) > digits.size()) {
    digits.append(static_cast<std::size_t>(point) - digits.size(), '0');
  }
  std::string whole = digits.substr(0, static_cast<std::size_t>(point));
  std::string fraction = digits.substr(static_cast<std::size_t>(point));
  if (scale) {
    const auto wanted = static_cast<std::size_t>(*scale);
    if (fraction.size() > wanted) {
      const bool roundUp = fraction[wanted] >= '5';
      fraction.resize(wanted);
      if (roundUp) {
        std::string all = whole + fraction;
        incrementDigits(all);
        whole = all.substr(0, all.size() - wanted);
        fraction = all.substr(all.size() - wanted);
      }
    } else {
      fraction.append(wanted - fraction.size(), '0');
    }
  }
  const auto firstSignificant = whole.find_first_not_of('0');
  whole = firstSignificant == std::string::npos ? "0" : whole.substr(firstSignificant);
  const bool zero = whole == "0" && fraction.find_first_not_of('0') == std::string::npos;

  std::string out;
  if (negative && !zero) out.push_back('-');
  out += whole;
  if (!fraction.empty()) {
    out.push_back('.');
    out += fraction;
  }
  return out;
}

std::optional<std::int64_t> integralValue(std::string_view text) {
  auto canonical = canonicalDecimal(text, std::nullopt);
  if (!canonical) return std::nullopt;
  const auto dot = canonical->find('.');
  if (dot != std::string::npos) {
    if (canonical->find_first_not_of('0', dot + 1) != std::string::npos) return std::nullopt;
    canonical->resize(dot);
  }
  std::int64_t number = 0;
  auto [end, ec] =
      std::from_chars(canonical->data(), canonical->data() + canonical->size(), number);
  if (ec != std::errc{} || end != canonical->data() + canonical->size()) return std::nullopt;
  return number;
}

std::optional<bool> boolValue(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "true" || lower == "t" || lower == "1") return true;
  if (lower == "false" || lower == "f" || lower == "0") return false;
  return std::nullopt;
}

bool digitsAt(std::string_view text, std::size_t from, std::size_t count, int& number) {
  if (from + count > text.size()) return false;
  number = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (!isDigit(text[i])) return false;
    number = number * 10 + (text[i] - '0');
  }
  return true;
}

// True when `text` starts with a real calendar date written YYYY-MM-DD.
bool startsWithDate(std::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (!digitsAt(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !digitsAt(text, 5, 2, month) || text[7] != '-' || !digitsAt(text, 8, 2, day)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  return date.ok();
}

std::optional<std::string> canonicalDate(std::string_view text) {
  if (!startsWithDate(text)) return std::nullopt;
  if (text.size() > 10 && text[10] != ' ' && text[10] != 'T') return std::nullopt;
  return std::string(text.substr(0, 10));
}

// "YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|+HH[:MM]|-HH[:MM]]" -> the same with 'T' and seconds.
std::optional<std::string> canonicalDateTime(std::string_view text) {
  if (!startsWithDate(text) || text.size() < 16 || (text[10] != ' ' && text[10] != 'T')) {
    return std::nullopt;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digitsAt(text, 11, 2, hour) || text[13] != ':' || !digitsAt(text, 14, 2, minute) ||
      hour > 23 || minute > 59) {
    return std::nullopt;
  }
  std::string out(text.substr(0, 16));
  out[10] = 'T';
  std::size_t i = 16;
  if (i < text.size() && text[i] == ':') {
    if (!digitsAt(text, i + 1, 2, second) || second > 60) return std::nullopt;
    out.append(text.substr(i, 3));
    i += 3;
    if (i < text.size() && text[i] == '.') {
      const auto start = i++;
      while (i < text.size() && isDigit(text[i])) ++i;
      if (i == start + 1) return std::nullopt;
      out.append(text.substr(start, i - start));
    }
  } else {
    out.append(":00");
  }
  const auto zone = text.substr(i);
  int zoneHour = 0;
  int zoneMinute = 0;
  const bool validZone =
      zone.empty() || zone == "Z" ||
      ((zone[0] == '+' || zone[0] == '-') && digitsAt(zone, 1, 2, zoneHour) &&
       (zone.size() == 3 || (zone.size() == 5 && digitsAt(zone, 3, 2, zoneMinute)) ||
        (zone.size() == 6 && zone[3] == ':' && digitsAt(zone, 4, 2, zoneMinute))));
  if (!validZone) return std::nullopt;
  out.append(zone);
  return out;
}

bool isTrimmedSpace(std::string_view text, std::size_t at, std::size_t& width) {
  const char c = text[at];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    width = 1;
    return true;
  }
  // U+3000 IDEOGRAPHIC SPACE, common padding in Chinese records.
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  if (text.substr(at, 3) == kIdeographicSpace) {
    width = 3;
    return true;
  }
  return false;
}

std::string trimmed(std::string_view text) {
  std::size_t width = 0;
  while (!text.empty() && isTrimmedSpace(text, 0, width)) text.remove_prefix(width);
  for (;;) {
    if (!text.empty() && isTrimmedSpace(text, text.size() - 1, width)) {
      text.remove_suffix(1);
    } else if (text.size() >= 3 && isTrimmedSpace(text, text.size() - 3, width) && width == 3) {
      text.remove_suffix(3);
    } else {
      break;
    }
  }
  return std::string(text);
}

std::string withAsciiCase(std::string text, bool upper) {
  for (auto& c : text) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::optional<Value> toKind(const Value& raw, ValueKind type, std::optional<int> scale) {
  const ValueKind from = raw.kind();
  const bool textual = from == ValueKind::String || from == ValueKind::Decimal;
  switch (type) {
    case ValueKind::Null:
    case ValueKind::String:
      if (from == ValueKind::String) return raw;
      return Value::string(raw.toString());
    case ValueKind::Int:
      if (from == ValueKind::Int) return raw;
      if (textual) {
        if (auto number = integralValue(raw.text())) return Value::integer(*number);
      }
      return std::nullopt;
    case ValueKind::Decimal:
      if (from == ValueKind::Int || textual) {
        if (auto text = canonicalDecimal(raw.toString(), scale)) return Value::decimal(*text);
      }
      return std::nullopt;
    case ValueKind::Bool:
      if (from == ValueKind::Bool) return raw;
      if (from == ValueKind::Int && (raw.asInt() == 0 || raw.asInt() == 1)) {
        return Value::boolean(raw.asInt() == 1);
      }
      if (textual) {
        if (auto flag = boolValue(raw.text())) return Value::boolean(*flag);
      }
      return std::nullopt;
    case ValueKind::Date:
      if (from == ValueKind::Date || from == ValueKind::DateTime || from == ValueKind::String) {
        if (auto text = canonicalDate(raw.text())) return Value::date(*text);
      }
      return std::nullopt;
    case ValueKind::DateTime:
      if (from == ValueKind::Date && startsWithDate(raw.text()) && raw.text().size() == 10) {
        return Value::datetime(raw.text() + "T00:00:00");
      }
      if (from == ValueKind::DateTime || from == ValueKind::String) {
        if (auto text = canonicalDateTime(raw.text())) return Value::datetime(*text);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Field Field::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "dataset", "column", "type", "scale", "transform", "sharing",
                      "sensitivity", "indicator", "description"});
  Field field;
  field.id_ = item.at("id").asString();
  field.dataset_ = item.at("dataset").asString();
  field.column_ = item.at("column").asString();
  field.location_ = item.location();
  if (auto type = item.find("type")) {
    if (!parseValueKind(type->asString(), field.type_)) {
      type->fail("unknown type '" + type->asString() +
                 "' (expected string, int, decimal, bool, date or datetime)");
    }
  }
  if (auto scale = item.find("scale")) {
    if (field.type_ != ValueKind::Decimal) scale->fail("scale applies to decimal fields only");
    field.scale_ = static_cast<int>(scale->asInt(0, kMaxScale));
  }
  if (auto transform = item.find("transform")) {
    const auto name = transform->asString();
    if (name == "trim") {
      field.transform_ = Transform::Trim;
    } else if (name == "upper") {
      field.transform_ = Transform::Upper;
    } else if (name == "lower") {
      field.transform_ = Transform::Lower;
    } else {
      transform->fail("unknown transform '" + name + "' (expected trim, upper or lower)");
    }
    if (field.type_ != ValueKind::String) transform->fail("transforms apply to string fields only");
  }
  if (auto sharing = item.find("sharing")) {
    auto parsed = parseSharingClass(sharing->asString());
    if (!parsed) {
      sharing->fail("unknown sharing class '" + sharing->asString() +
                    "' (expected unconditional, conditional or none)");
    }
    field.sharing_ = *parsed;
  }
  if (auto sensitivity = item.find("sensitivity")) {
    field.sensitivity_ = sensitivity->asString();
    if (std::find(kSensitivities.begin(), kSensitivities.end(), field.sensitivity_) ==
        kSensitivities.end()) {
      sensitivity->fail("unknown sensitivity '" + field.sensitivity_ +
                        "' (expected public, internal, personal or sensitive)");
    }
  }
  if (auto indicator = item.find("indicator")) {
    indicator->allowOnlyKeys({"id", "authoritative"});
    Indicator parsed;
    parsed.id = indicator->at("id").asString();
    if (auto authoritative = indicator->find("authoritative")) {
      parsed.authoritative = authoritative->asBool();
    }
    field.indicator_ = std::move(parsed);
  }
  if (auto description = item.find("description")) field.description_ = description->asString();
  return field;
}

Value Field::valueFrom(const Row& row) const {
  const Value* raw = row.find(column_, columnPosition_);
  if (raw == nullptr) {
    throw Error(ErrorCode::SourceUnavailable, "field " + id_ + ": column " + column_ +
                                                  " is not in the row of dataset " + dataset_);
  }
  return convert(*raw);
}

Value Field::convert(const Value& raw) const {
  if (raw.isNull()) return raw;
  auto value = toKind(raw, type_, scale_);
  if (!value) {
    throw Error(ErrorCode::SourceUnavailable, "field " + id_ + ": column " + column_ + " holds a " +
                                                  std::string(valueKindName(raw.kind())) +
                                                  " value that is not a valid " +
                                                  std::string(valueKindName(type_)));
  }
  switch (transform_) {
    case Transform::None:
      break;
    case Transform::Trim:
      return Value::string(trimmed(value->text()));
    case Transform::Upper:
      return Value::string(withAsciiCase(value->text(), true));
    case Transform::Lower:
      return Value::string(withAsciiCase(value->text(), false));
  }
  return std::move(*value);
}

}  // namespace oncegate
