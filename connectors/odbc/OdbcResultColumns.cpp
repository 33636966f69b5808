#include "connectors/odbc/OdbcResultColumns.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include "connectors/odbc/OdbcStatement.h"

namespace oncegate::odbc {

namespace {

// Long text arrives through SQLGetData in pieces of this size; most values fit in one.
constexpr std::size_t kTextChunk = 1024;
// "String data, right truncation": the value is longer than its reader accepts.
constexpr const char* kValueTooLongState = "22001";

std::string twoDigits(unsigned number) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%02u", number % 100);
  return text.data();
}

std::string isoDate(const SQL_DATE_STRUCT& date) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02u-%02u", static_cast<int>(date.year),
                static_cast<unsigned>(date.month), static_cast<unsigned>(date.day));
  return text.data();
}

// "YYYY-MM-DDTHH:MM:SS", with the fraction in groups of three digits when it is not zero.
std::string isoDateTime(const SQL_TIMESTAMP_STRUCT& stamp) {
  std::string text = isoDate({stamp.year, stamp.month, stamp.day}) + "T" + twoDigits(stamp.hour) +
                     ":" + twoDigits(stamp.minute) + ":" + twoDigits(stamp.second);
  if (stamp.fraction != 0) {
    std::array<char, 16> nanos{};
    std::snprintf(nanos.data(), nanos.size(), "%09u", static_cast<unsigned>(stamp.fraction));
    std::string digits = nanos.data();
    while (digits.size() > 3 && digits.ends_with("000")) digits.resize(digits.size() - 3);
    text += "." + digits;
  }
  return text;
}

std::string shortestDecimal(double number) {
  std::array<char, 512> text{};
  const auto result =
      std::to_chars(text.data(), text.data() + text.size(), number, std::chars_format::fixed);
  if (result.ec != std::errc()) return std::to_string(number);
  return std::string(text.data(), result.ptr);
}

bool isWideTextType(SQLSMALLINT type) {
  return type == SQL_WCHAR || type == SQL_WVARCHAR || type == SQL_WLONGVARCHAR;
}

template <typename T>
bool fetchFixed(const OdbcHandle& statement, SQLUSMALLINT index, SQLSMALLINT cType, T& out,
                const OdbcErrorFactory& error) {
  SQLLEN indicator = 0;
  if (!succeeded(SQLGetData(statement.get(), index, cType, &out, sizeof(out), &indicator))) {
    throw error(OdbcDiagnostics::read(statement));
  }
  return indicator != SQL_NULL_DATA;
}

[[noreturn]] void failTooLong(const std::string& column, std::size_t maxValueBytes,
                              const OdbcErrorFactory& error) {
  throw error(OdbcDiagnostics{kValueTooLongState, "the value of column '" + column +
                                                      "' is longer than " +
                                                      std::to_string(maxValueBytes) + " bytes"});
}

std::optional<std::string> fetchText(const OdbcHandle& statement, SQLUSMALLINT index,
                                     SQLSMALLINT cType, const std::string& column,
                                     std::size_t maxValueBytes, const OdbcErrorFactory& error) {
  // UTF-16 takes at least half as many bytes as the UTF-8 it becomes: past twice the cap the
  // value cannot fit, whatever it holds, so reading stops there.
  const std::size_t rawCap =
      cType == SQL_C_WCHAR && maxValueBytes <= SIZE_MAX / 2 ? maxValueBytes * 2 : maxValueBytes;
  // SQL_C_CHAR pieces end in one NUL byte, SQL_C_WCHAR pieces in one 16-bit NUL.
  const std::size_t terminator = cType == SQL_C_WCHAR ? sizeof(SQLWCHAR) : 1;
  std::array<char, kTextChunk> chunk{};
  std::string bytes;
  for (;;) {
    SQLLEN indicator = 0;
    const SQLRETURN rc =
        SQLGetData(statement.get(), index, cType, chunk.data(), chunk.size(), &indicator);
    if (rc == SQL_NO_DATA) break;
    if (!succeeded(rc)) throw error(OdbcDiagnostics::read(statement));
    if (indicator == SQL_NULL_DATA) return std::nullopt;
    const std::size_t room = chunk.size() - terminator;
    if (indicator == SQL_NO_TOTAL || static_cast<std::size_t>(indicator) > room) {
      bytes.append(chunk.data(), room);  // truncated: the rest comes with the next call
      if (bytes.size() > rawCap) failTooLong(column, maxValueBytes, error);
      continue;
    }
    bytes.append(chunk.data(), static_cast<std::size_t>(indicator));
    break;
  }
  if (cType != SQL_C_WCHAR) {
    if (bytes.size() > maxValueBytes) failTooLong(column, maxValueBytes, error);
    return bytes;
  }
  std::u16string units(bytes.size() / sizeof(char16_t), u'\0');
  std::memcpy(units.data(), bytes.data(), units.size() * sizeof(char16_t));
  auto text = utf8FromUtf16(units);
  if (text.size() > maxValueBytes) failTooLong(column, maxValueBytes, error);
  return text;
}

Value fetchValue(const OdbcHandle& statement, SQLUSMALLINT index, SQLSMALLINT type,
                 SQLSMALLINT scale, const std::string& column, std::size_t maxValueBytes,
                 const OdbcErrorFactory& error) {
  switch (type) {
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT: {
      SQLBIGINT number = 0;
      return fetchFixed(statement, index, SQL_C_SBIGINT, number, error) ? Value::integer(number)
                                                                        : Value::null();
    }
    case SQL_BIT: {
      SQLCHAR bit = 0;
      return fetchFixed(statement, index, SQL_C_BIT, bit, error) ? Value::boolean(bit != 0)
                                                                 : Value::null();
    }
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE: {
      double number = 0;
      if (!fetchFixed(statement, index, SQL_C_DOUBLE, number, error)) return Value::null();
      if (!std::isfinite(number)) return Value::string(std::to_string(number));
      return Value::decimal(shortestDecimal(number));
    }
    case SQL_DECIMAL:
    case SQL_NUMERIC: {
      auto text = fetchText(statement, index, SQL_C_CHAR, column, maxValueBytes, error);
      if (!text) return Value::null();
      auto canonical = canonicalDecimal(*text, scale);
      // Not a number (PostgreSQL's 'NaN'): pass the text on rather than inventing a value.
      return canonical ? Value::decimal(std::move(*canonical)) : Value::string(std::move(*text));
    }
    case SQL_TYPE_DATE: {
      SQL_DATE_STRUCT date{};
      return fetchFixed(statement, index, SQL_C_TYPE_DATE, date, error) ? Value::date(isoDate(date))
                                                                        : Value::null();
    }
    case SQL_TYPE_TIMESTAMP: {
      SQL_TIMESTAMP_STRUCT stamp{};
      return fetchFixed(statement, index, SQL_C_TYPE_TIMESTAMP, stamp, error)
                 ? Value::datetime(isoDateTime(stamp))
                 : Value::null();
    }
    default: {
      const SQLSMALLINT cType = isWideTextType(type) ? SQL_C_WCHAR : SQL_C_CHAR;
      auto text = fetchText(statement, index, cType, column, maxValueBytes, error);
      return text ? Value::string(std::move(*text)) : Value::null();
    }
  }
}

}  // namespace

void OdbcResultColumns::describe(const OdbcHandle& statement, const OdbcErrorFactory& error) {
  SQLSMALLINT count = 0;
  if (!succeeded(SQLNumResultCols(statement.get(), &count))) {
    throw error(OdbcDiagnostics::read(statement));
  }
  columns_.clear();
  for (SQLUSMALLINT index = 1; index <= count; ++index) {
    std::array<SQLCHAR, 256> name{};
    SQLSMALLINT nameLength = 0;
    Column column;
    SQLULEN size = 0;
    SQLSMALLINT nullable = 0;
    if (!succeeded(SQLDescribeCol(statement.get(), index, name.data(),
                                  static_cast<SQLSMALLINT>(name.size()), &nameLength, &column.type,
                                  &size, &column.scale, &nullable))) {
      throw error(OdbcDiagnostics::read(statement));
    }
    column.name = reinterpret_cast<const char*>(name.data());
    columns_.push_back(std::move(column));
  }
}

Row OdbcResultColumns::read(const OdbcHandle& statement, const OdbcErrorFactory& error,
                            std::size_t maxValueBytes) const {
  Row row;
  row.columns.reserve(columns_.size());
  row.values.reserve(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    row.columns.push_back(columns_[i].name);
    row.values.push_back(fetchValue(statement, static_cast<SQLUSMALLINT>(i + 1), columns_[i].type,
                                    columns_[i].scale, columns_[i].name, maxValueBytes, error));
  }
  return row;
}

std::vector<std::string> OdbcResultColumns::names() const {
  std::vector<std::string> out;
  out.reserve(columns_.size());
  for (const auto& column : columns_) out.push_back(column.name);
  return out;
}

}  // namespace oncegate::odbc
