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

// ODBC passes integers and lengths through pointer-typed parameters.
SQLPOINTER asPointer(SQLULEN number) { return reinterpret_cast<SQLPOINTER>(number); }

}  // namespace

OdbcStatement::OdbcStatement(SQLHDBC connection, std::string sql, std::string_view sourceId,
                             std::size_t maxValueBytes)
    : handle_(SQL_HANDLE_STMT, connection),
      sql_(std::move(sql)),
      sourceId_(sourceId),
      maxValueBytes_(maxValueBytes),
      error_([this](const OdbcDiagnostics& diagnostics) {
        return queryError(sourceId_, diagnostics);
      }) {
  auto* text = reinterpret_cast<SQLCHAR*>(sql_.data());
  if (!succeeded(SQLPrepare(handle_.get(), text, static_cast<SQLINTEGER>(sql_.size())))) fail();
}

void OdbcStatement::fail() { throw queryError(sourceId_, OdbcDiagnostics::read(handle_)); }

namespace {

// The cursor must be closed whatever happens after a successful execute, or the statement cannot
// run again.
struct CursorCloser {
  SQLHSTMT statement;
  ~CursorCloser() { SQLFreeStmt(statement, SQL_CLOSE); }
};

}  // namespace

bool OdbcStatement::execute(const std::vector<Value>& params, SQLULEN timeoutSeconds) {
  if (timeoutSeconds != timeoutSeconds_) {
    // A driver without query timeouts still answers; the source's deadline check bounds the wait.
    SQLSetStmtAttr(handle_.get(), SQL_ATTR_QUERY_TIMEOUT, asPointer(timeoutSeconds),
                   SQL_IS_UINTEGER);
    timeoutSeconds_ = timeoutSeconds;
  }
  parameters_.bind(handle_, params, error_);
  const SQLRETURN executed = SQLExecute(handle_.get());
  if (executed == SQL_NO_DATA) return false;
  if (!succeeded(executed)) fail();
  return true;
}

void OdbcStatement::describeResult() {
  if (!described_) {
    columns_.describe(handle_, error_);
    described_ = true;
  }
  if (columns_.empty()) {
    // 07005: "prepared statement not a cursor specification", a mistake in the dataset's SQL
    // rather than a failing database (the breaker tells them apart by SQLSTATE).
    throw Error(ErrorCode::SourceUnavailable,
                "source '" + sourceId_ + "': the dataset query returned no result set",
                "statement: " + sql_, "07005");
  }
}

std::optional<Row> OdbcStatement::run(const std::vector<Value>& params, SQLULEN timeoutSeconds) {
  if (!execute(params, timeoutSeconds)) return std::nullopt;
  const CursorCloser closer{handle_.get()};
  describeResult();

  const SQLRETURN first = SQLFetch(handle_.get());
  if (first == SQL_NO_DATA) return std::nullopt;
  if (!succeeded(first)) fail();
  Row row = columns_.read(handle_, error_, maxValueBytes_);

  const SQLRETURN second = SQLFetch(handle_.get());
  if (succeeded(second)) {
    throw Error(ErrorCode::SourceUnavailable,
                "source '" + sourceId_ +
                    "': the dataset query returned more than one row (a dataset must answer one "
                    "row per key)",
                "statement: " + sql_, "21000");  // cardinality violation: this key's data
  }
  if (second != SQL_NO_DATA) fail();
  return row;
}

std::vector<std::string> OdbcStatement::describe(const std::vector<Value>& params,
                                                 SQLULEN timeoutSeconds) {
  if (!execute(params, timeoutSeconds)) {
    throw Error(ErrorCode::SourceUnavailable,
                "source '" + sourceId_ + "': the dataset query returned no result set",
                "statement: " + sql_, "07005");
  }
  const CursorCloser closer{handle_.get()};
  describeResult();
  return columns_.names();
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
