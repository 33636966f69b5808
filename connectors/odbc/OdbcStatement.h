#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Row.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// One SQL text prepared once on one connection and run many times with different parameters.
// Its result columns are described on the first run, while the cursor is open (ODBC drivers
// report no columns after SQLFreeStmt(SQL_CLOSE)).
class OdbcStatement {
 public:
  // Prepares `sql` on `connection`; throws the driver's error (queryError) when it cannot.
  OdbcStatement(SQLHDBC connection, std::string sql, std::string_view sourceId);

  // Binds `params`, executes, and returns the single row (nullopt when there is none). Throws
  // Error: the driver's error, a timeout, or "more than one row".
  std::optional<Row> run(const std::vector<Value>& params, SQLULEN timeoutSeconds);

  const std::string& sql() const { return sql_; }

 private:
  struct Column {
    std::string name;
    SQLSMALLINT type = 0;
    SQLSMALLINT scale = 0;
  };

  void bind(const std::vector<Value>& params);
  void describe();
  Row fetchRow();
  Value fetchValue(SQLUSMALLINT index, const Column& column);
  std::optional<std::string> fetchText(SQLUSMALLINT index, SQLSMALLINT cType);
  template <typename T>
  bool fetchFixed(SQLUSMALLINT index, SQLSMALLINT cType, T& out);
  [[noreturn]] void fail();

  OdbcHandle handle_;
  std::string sql_;
  std::string sourceId_;
  std::vector<Column> columns_;
  bool described_ = false;
  SQLULEN timeoutSeconds_ = 0;
  // Bound parameter buffers; ODBC reads them during SQLExecute, so they live here.
  struct Parameter {
    std::string text;
    SQLBIGINT number = 0;
    SQLCHAR bit = 0;
    SQLLEN indicator = 0;
  };
  std::vector<Parameter> parameters_;
};

// Canonical decimal text from what a driver printed: no '+' or exponent, a leading "0" before
// '.', and at least `scale` fraction digits ("108618.5", scale 2 -> "108618.50"). nullopt when
// `text` is not a number.
std::optional<std::string> canonicalDecimal(std::string_view text, int scale);

// UTF-8 from the UTF-16 that SQL_C_WCHAR delivers (unpaired surrogates become U+FFFD).
std::string utf8FromUtf16(const std::u16string& text);

}  // namespace oncegate::odbc
