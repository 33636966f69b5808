#include "connectors/odbc/OdbcStatement.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/Error.h"
#include "connectors/odbc/OdbcError.h"

namespace oncegate::odbc {

namespace {

// Long text arrives through SQLGetData in pieces of this size; most values fit in one.
constexpr std::size_t kTextChunk = 1024;

// ODBC passes integers and lengths through pointer-typed parameters.
SQLPOINTER asPointer(SQLULEN number) { return reinterpret_cast<SQLPOINTER>(number); }

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

}  // namespace

OdbcStatement::OdbcStatement(SQLHDBC connection, std::string sql, std::string_view sourceId)
    : handle_(SQL_HANDLE_STMT, connection), sql_(std::move(sql)), sourceId_(sourceId) {
  auto* text = reinterpret_cast<SQLCHAR*>(sql_.data());
  if (!succeeded(SQLPrepare(handle_.get(), text, static_cast<SQLINTEGER>(sql_.size())))) fail();
}

void OdbcStatement::fail() { throw queryError(sourceId_, OdbcDiagnostics::read(handle_)); }

std::optional<Row> OdbcStatement::run(const std::vector<Value>& params, SQLULEN timeoutSeconds) {
  if (timeoutSeconds != timeoutSeconds_) {
    // A driver without query timeouts still answers; the source's deadline check bounds the wait.
    SQLSetStmtAttr(handle_.get(), SQL_ATTR_QUERY_TIMEOUT, asPointer(timeoutSeconds),
                   SQL_IS_UINTEGER);
    timeoutSeconds_ = timeoutSeconds;
  }
  bind(params);

  const SQLRETURN executed = SQLExecute(handle_.get());
  if (executed == SQL_NO_DATA) return std::nullopt;
  if (!succeeded(executed)) fail();

  // The cursor must be closed whatever happens next, or the statement cannot run again.
  struct CursorCloser {
    SQLHSTMT statement;
    ~CursorCloser() { SQLFreeStmt(statement, SQL_CLOSE); }
  } closer{handle_.get()};

  if (!described_) describe();
  if (columns_.empty()) {
    throw Error(ErrorCode::SourceUnavailable,
                "source '" + sourceId_ + "': the dataset query returned no result set",
                "statement: " + sql_);
  }

  const SQLRETURN first = SQLFetch(handle_.get());
  if (first == SQL_NO_DATA) return std::nullopt;
  if (!succeeded(first)) fail();
  Row row = fetchRow();

  const SQLRETURN second = SQLFetch(handle_.get());
  if (succeeded(second)) {
    throw Error(ErrorCode::SourceUnavailable,
                "source '" + sourceId_ +
                    "': the dataset query returned more than one row (a dataset must answer one "
                    "row per key)",
                "statement: " + sql_);
  }
  if (second != SQL_NO_DATA) fail();
  return row;
}

void OdbcStatement::bind(const std::vector<Value>& params) {
  parameters_.assign(params.size(), Parameter{});
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Value& value = params[i];
    Parameter& slot = parameters_[i];
    SQLSMALLINT cType = SQL_C_CHAR;
    SQLSMALLINT sqlType = SQL_VARCHAR;
    SQLULEN columnSize = 0;
    SQLSMALLINT digits = 0;
    SQLPOINTER buffer = nullptr;
    switch (value.kind()) {
      case ValueKind::Null:
        slot.indicator = SQL_NULL_DATA;
        columnSize = 1;
        break;
      case ValueKind::Int:
        slot.number = value.asInt();
        cType = SQL_C_SBIGINT;
        sqlType = SQL_BIGINT;
        buffer = &slot.number;
        break;
      case ValueKind::Bool:
        slot.bit = value.asBool() ? 1 : 0;
        cType = SQL_C_BIT;
        sqlType = SQL_BIT;
        buffer = &slot.bit;
        break;
      case ValueKind::Decimal: {
        slot.text = value.text();
        const auto point = slot.text.find('.');
        digits =
            point == std::string::npos ? 0 : static_cast<SQLSMALLINT>(slot.text.size() - point - 1);
        sqlType = SQL_NUMERIC;
        break;
      }
      case ValueKind::Date:
        slot.text = value.text();
        sqlType = SQL_TYPE_DATE;
        break;
      case ValueKind::DateTime: {
        slot.text = value.text();
        const auto point = slot.text.find('.');
        digits =
            point == std::string::npos ? 0 : static_cast<SQLSMALLINT>(slot.text.size() - point - 1);
        sqlType = SQL_TYPE_TIMESTAMP;
        break;
      }
      case ValueKind::String:
        slot.text = value.text();
        break;
    }
    if (cType == SQL_C_CHAR && value.kind() != ValueKind::Null) {
      buffer = slot.text.data();
      slot.indicator = static_cast<SQLLEN>(slot.text.size());
      columnSize = std::max<SQLULEN>(slot.text.size(), 1);
    }
    const SQLRETURN rc = SQLBindParameter(
        handle_.get(), static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT, cType, sqlType,
        columnSize, digits, buffer, static_cast<SQLLEN>(slot.text.size()), &slot.indicator);
    if (!succeeded(rc)) fail();
  }
}

void OdbcStatement::describe() {
  SQLSMALLINT count = 0;
  if (!succeeded(SQLNumResultCols(handle_.get(), &count))) fail();
  columns_.clear();
  for (SQLUSMALLINT index = 1; index <= count; ++index) {
    std::array<SQLCHAR, 256> name{};
    SQLSMALLINT nameLength = 0;
    Column column;
    SQLULEN size = 0;
    SQLSMALLINT nullable = 0;
    if (!succeeded(SQLDescribeCol(handle_.get(), index, name.data(),
                                  static_cast<SQLSMALLINT>(name.size()), &nameLength, &column.type,
                                  &size, &column.scale, &nullable))) {
      fail();
    }
    column.name = reinterpret_cast<const char*>(name.data());
    columns_.push_back(std::move(column));
  }
  described_ = true;
}

Row OdbcStatement::fetchRow() {
  Row row;
  row.columns.reserve(columns_.size());
  row.values.reserve(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    row.columns.push_back(columns_[i].name);
    row.values.push_back(fetchValue(static_cast<SQLUSMALLINT>(i + 1), columns_[i]));
  }
  return row;
}

template <typename T>
bool OdbcStatement::fetchFixed(SQLUSMALLINT index, SQLSMALLINT cType, T& out) {
  SQLLEN indicator = 0;
  if (!succeeded(SQLGetData(handle_.get(), index, cType, &out, sizeof(out), &indicator))) fail();
  return indicator != SQL_NULL_DATA;
}

std::optional<std::string> OdbcStatement::fetchText(SQLUSMALLINT index, SQLSMALLINT cType) {
  // SQL_C_CHAR pieces end in one NUL byte, SQL_C_WCHAR pieces in one 16-bit NUL.
  const std::size_t terminator = cType == SQL_C_WCHAR ? sizeof(SQLWCHAR) : 1;
  std::array<char, kTextChunk> chunk{};
  std::string bytes;
  for (;;) {
    SQLLEN indicator = 0;
    const SQLRETURN rc =
        SQLGetData(handle_.get(), index, cType, chunk.data(), chunk.size(), &indicator);
    if (rc == SQL_NO_DATA) break;
    if (!succeeded(rc)) fail();
    if (indicator == SQL_NULL_DATA) return std::nullopt;
    const std::size_t room = chunk.size() - terminator;
    if (indicator == SQL_NO_TOTAL || static_cast<std::size_t>(indicator) > room) {
      bytes.append(chunk.data(), room);  // truncated: the rest comes with the next call
      continue;
    }
    bytes.append(chunk.data(), static_cast<std::size_t>(indicator));
    break;
  }
  if (cType != SQL_C_WCHAR) return bytes;
  std::u16string units(bytes.size() / sizeof(char16_t), u'\0');
  std::memcpy(units.data(), bytes.data(), units.size() * sizeof(char16_t));
  return utf8FromUtf16(units);
}

Value OdbcStatement::fetchValue(SQLUSMALLINT index, const Column& column) {
  switch (column.type) {
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT: {
      SQLBIGINT number = 0;
      return fetchFixed(index, SQL_C_SBIGINT, number) ? Value::integer(number) : Value::null();
    }
    case SQL_BIT: {
      SQLCHAR bit = 0;
      return fetchFixed(index, SQL_C_BIT, bit) ? Value::boolean(bit != 0) : Value::null();
    }
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE: {
      double number = 0;
      if (!fetchFixed(index, SQL_C_DOUBLE, number)) return Value::null();
      if (!std::isfinite(number)) return Value::string(std::to_string(number));
      return Value::decimal(shortestDecimal(number));
    }
    case SQL_DECIMAL:
    case SQL_NUMERIC: {
      auto text = fetchText(index, SQL_C_CHAR);
      if (!text) return Value::null();
      auto canonical = canonicalDecimal(*text, column.scale);
      // Not a number (PostgreSQL's 'NaN'): pass the text on rather than inventing a value.
      return canonical ? Value::decimal(std::move(*canonical)) : Value::string(std::move(*text));
    }
    case SQL_TYPE_DATE: {
      SQL_DATE_STRUCT date{};
      return fetchFixed(index, SQL_C_TYPE_DATE, date) ? Value::date(isoDate(date)) : Value::null();
    }
    case SQL_TYPE_TIMESTAMP: {
      SQL_TIMESTAMP_STRUCT stamp{};
      return fetchFixed(index, SQL_C_TYPE_TIMESTAMP, stamp) ? Value::datetime(isoDateTime(stamp))
                                                            : Value::null();
    }
    default: {
      const SQLSMALLINT cType = isWideTextType(column.type) ? SQL_C_WCHAR : SQL_C_CHAR;
      auto text = fetchText(index, cType);
      return text ? Value::string(std::move(*text)) : Value::null();
    }
  }
}

std::optional<std::string> canonicalDecimal(std::string_view text, int scale) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  std::string digits;  // all digits, integer part then fraction
  std::ptrdiff_t pointAt = -1;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '.' && pointAt < 0) {
      pointAt = static_cast<std::ptrdiff_t>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (pointAt < 0) pointAt = static_cast<std::ptrdiff_t>(digits.size());
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    int exponent = 0;
    std::string_view rest = text.substr(i + 1);
    if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
    const auto parsed = std::from_chars(rest.data(), rest.data() + rest.size(), exponent);
    if (parsed.ec != std::errc() || parsed.ptr != rest.data() + rest.size()) return std::nullopt;
    if (exponent > 400 || exponent < -400) return std::nullopt;
    pointAt += exponent;
  }
  // Pad with zeros so that the point falls inside or at the end of the digits.
  if (pointAt < 0) {
    digits.insert(0, static_cast<std::size_t>(-pointAt), '0');
    pointAt = 0;
  }
  if (static_cast<std::size_t>(pointAt) > digits.size())
    digits.append(pointAt - digits.size(), '0');
  std::string integer = digits.substr(0, static_cast<std::size_t>(pointAt));
  std::string fraction = digits.substr(static_cast<std::size_t>(pointAt));
  const auto firstNonZero = integer.find_first_not_of('0');
  integer = firstNonZero == std::string::npos ? "0" : integer.substr(firstNonZero);
  if (scale > 0 && fraction.size() < static_cast<std::size_t>(scale)) {
    fraction.append(static_cast<std::size_t>(scale) - fraction.size(), '0');
  }
  const bool zero = integer == "0" && fraction.find_first_not_of('0') == std::string::npos;
  std::string out = (negative && !zero) ? "-" : "";
  out += integer;
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

std::string utf8FromUtf16(const std::u16string& text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t code = text[i];
    if (code >= 0xD800 && code <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      code = 0x10000 + ((code - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    } else if (code >= 0xD800 && code <= 0xDFFF) {
      code = 0xFFFD;
    }
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }
  return out;
}

}  // namespace oncegate::odbc
