#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Row.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcError.h"
#include "connectors/odbc/OdbcHandle.h"
#include "connectors/odbc/OdbcParameters.h"
#include "connectors/odbc/OdbcResultColumns.h"

namespace oncegate::odbc {

// One SQL text prepared once on one connection and run many times with different parameters.
// Its result columns are described on the first run, while the cursor is open (ODBC drivers
// report no columns after SQLFreeStmt(SQL_CLOSE)).
class OdbcStatement {
 public:
  // Prepares `sql` on `connection`; throws the driver's error (queryError) when it cannot.
  // A value longer than `maxValueBytes` fails the query (OdbcResultColumns::read).
  OdbcStatement(SQLHDBC connection, std::string sql, std::string_view sourceId,
                std::size_t maxValueBytes);
  // The error factory refers to this statement's source id.
  OdbcStatement(const OdbcStatement&) = delete;
  OdbcStatement& operator=(const OdbcStatement&) = delete;

  // Binds `params`, executes, and returns the single row (nullopt when there is none). Throws
  // Error: the driver's error, a timeout, or "more than one row".
  std::optional<Row> run(const std::vector<Value>& params, SQLULEN timeoutSeconds);

  // Binds `params`, executes, and returns the result's column names without fetching a row.
  std::vector<std::string> describe(const std::vector<Value>& params, SQLULEN timeoutSeconds);

  const std::string& sql() const { return sql_; }
  // For SQLCancel from another thread (OdbcCancellation).
  SQLHSTMT handle() const { return handle_.get(); }

 private:
  [[noreturn]] void fail();
  // Binds and executes; false when the driver says there is no data at all. On true the cursor
  // is open: the caller closes it (CursorCloser).
  bool execute(const std::vector<Value>& params, SQLULEN timeoutSeconds);
  // Describes the columns on the first run, while the cursor is open; throws when the statement
  // produced no result set.
  void describeResult();

  OdbcHandle handle_;
  std::string sql_;
  std::string sourceId_;
  std::size_t maxValueBytes_;
  OdbcErrorFactory error_;
  OdbcResultColumns columns_;
  bool described_ = false;
  SQLULEN timeoutSeconds_ = 0;
  OdbcParameters parameters_;
};

// Canonical decimal text from what a driver printed: no '+' or exponent, a leading "0" before
// '.', and at least `scale` fraction digits ("108618.5", scale 2 -> "108618.50"). nullopt when
// `text` is not a number.
std::optional<std::string> canonicalDecimal(std::string_view text, int scale);

// UTF-8 from the UTF-16 that SQL_C_WCHAR delivers (unpaired surrogates become U+FFFD).
std::string utf8FromUtf16(const std::u16string& text);

}  // namespace oncegate::odbc
