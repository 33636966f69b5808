#pragma once

// Private to connectors/odbc (includes the ODBC headers through OdbcHandle.h).
#include <string>
#include <vector>

#include "common/Row.h"
#include "connectors/odbc/OdbcError.h"
#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// The columns of a statement's result set, and the typed reading of its current row: integers,
// bits, exact decimals, dates, datetimes and UTF-8 text, the same whoever runs the statement.
class OdbcResultColumns {
 public:
  // Describes the result set of `statement`'s open cursor (drivers report no columns once the
  // cursor is closed). Empty when the statement produced no result set.
  void describe(const OdbcHandle& statement, const OdbcErrorFactory& error);

  bool empty() const { return columns_.empty(); }
  std::vector<std::string> names() const;

  // Reads the row SQLFetch has just positioned `statement` on. A text or binary value longer
  // than `maxValueBytes` (UTF-8 bytes) throws Error(SourceUnavailable, SQLSTATE 22001) naming the
  // column: never a silent truncation, and never an unbounded buffer for one LOB.
  Row read(const OdbcHandle& statement, const OdbcErrorFactory& error,
           std::size_t maxValueBytes) const;

 private:
  struct Column {
    std::string name;
    SQLSMALLINT type = 0;
    SQLSMALLINT scale = 0;
  };

  std::vector<Column> columns_;
};

}  // namespace oncegate::odbc
