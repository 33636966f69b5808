#include "connectors/postgresql/PostgresResultColumns.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "common/Error.h"
#include "connectors/odbc/OdbcStatement.h"  // canonicalDecimal: one rule for both connectors

namespace oncegate::postgres {

namespace {

// Type OIDs of pg_type (fixed in PostgreSQL's catalog since forever).
constexpr Oid kBool = 16;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;
constexpr Oid kDate = 1082;
constexpr Oid kTimestamp = 1114;
constexpr Oid kTimestampTz = 1184;
constexpr Oid kNumeric = 1700;

constexpr Oid kUuid = 2950;

// numeric(p, s) keeps s in the low 16 bits of typmod - VARHDRSZ; an unconstrained numeric
// (typmod -1) reads at scale 6, the scale psqlODBC describes it with.
int numericScale(int typmod) {
  constexpr int kVarHeaderSize = 4;
  constexpr int kUnconstrainedScale = 6;
  return typmod >= kVarHeaderSize ? (typmod - kVarHeaderSize) & 0xffff : kUnconstrainedScale;
}

// As OdbcResultColumns prints a double: fixed notation, shortest round trip; not finite as
// std::to_string prints it.
Value floatValue(std::string_view text) {
  double number = 0;
  if (text == "NaN")
    number = std::nan("");
  else if (text == "Infinity")
    number = HUGE_VAL;
  else if (text == "-Infinity")
    number = -HUGE_VAL;
  else {
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), number);
    if (parsed.ec != std::errc()) return Value::string(std::string(text));
  }
  if (!std::isfinite(number)) return Value::string(std::to_string(number));
  std::array<char, 512> out{};
  const auto printed =
      std::to_chars(out.data(), out.data() + out.size(), number, std::chars_format::fixed);
  if (printed.ec != std::errc()) return Value::string(std::to_string(number));
  return Value::decimal(std::string(out.data(), printed.ptr));
}

// "2026-02-01 09:30:15.25[+08]" -> "2026-02-01T09:30:15.250": the fraction in groups of three
// digits as ODBC's nanoseconds print, the zone offset dropped. Anything else ("infinity", BC
// dates) is passed on as text rather than invented.
Value datetimeValue(std::string_view text) {
  if (text.size() < 19 || text[10] != ' ' || text[4] != '-')
    return Value::string(std::string(text));
  std::string out(text.substr(0, 19));
  out[10] = 'T';
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    std::string digits;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      digits.push_back(rest.front());
      rest.remove_prefix(1);
    }
    while (digits.size() % 3 != 0) digits.push_back('0');
    while (digits.size() > 3 && digits.ends_with("000")) digits.resize(digits.size() - 3);
    if (digits.find_first_not_of('0') != std::string::npos) out += "." + digits;
  }
  return Value::datetime(std::move(out));
}

Value dateValue(std::string_view text) {
  if (text.size() != 10 || text[4] != '-') return Value::string(std::string(text));
  return Value::date(std::string(text));
}

}  // namespace

std::vector<std::string> PostgresResultColumns::names(const PGresult* result) {
  std::vector<std::string> out;
  const int count = PQnfields(result);
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) out.emplace_back(PQfname(result, i));
  return out;
}

Row PostgresResultColumns::read(const PGresult* result, int row, const std::string& sourceId,
                                std::size_t maxValueBytes) {
  Row out;
  const int count = PQnfields(result);
  out.columns.reserve(static_cast<std::size_t>(count));
  out.values.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    out.columns.emplace_back(PQfname(result, i));
    if (PQgetisnull(result, row, i) != 0) {
      out.values.push_back(Value::null());
      continue;
    }
    const std::string_view text(PQgetvalue(result, row, i),
                                static_cast<std::size_t>(PQgetlength(result, row, i)));
    switch (PQftype(result, i)) {
      case kInt2:
      case kInt4:
      case kInt8: {
        std::int64_t number = 0;
        std::from_chars(text.data(), text.data() + text.size(), number);
        out.values.push_back(Value::integer(number));
        break;
      }
      case kBool:
        out.values.push_back(Value::boolean(text == "t"));
        break;
      case kFloat4:
      case kFloat8:
        out.values.push_back(floatValue(text));
        break;
      case kNumeric: {
        auto canonical = odbc::canonicalDecimal(text, numericScale(PQfmod(result, i)));
        out.values.push_back(canonical ? Value::decimal(std::move(*canonical))
                                       : Value::string(std::string(text)));
        break;
      }
      case kDate:
        out.values.push_back(dateValue(text));
        break;
      case kTimestamp:
      case kTimestampTz:
        out.values.push_back(datetimeValue(text));
        break;
      case kUuid: {
        // psqlODBC reads a uuid as SQL_GUID, printed in capitals.
        std::string upper(text);
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.values.push_back(Value::string(std::move(upper)));
        break;
      }
      default:
        if (text.size() > maxValueBytes) {
          throw Error(ErrorCode::SourceUnavailable,
                      "source '" + sourceId + "' returned a value longer than the gateway accepts",
                      "the value of column '" + out.columns.back() + "' is longer than " +
                          std::to_string(maxValueBytes) + " bytes",
                      "22001");
        }
        out.values.push_back(Value::string(std::string(text)));
    }
  }
  return out;
}

}  // namespace oncegate::postgres
