#pragma once

// Private to connectors/postgresql (includes libpq's header).
#include <libpq-fe.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/Row.h"

namespace oncegate::postgres {

// The typed reading of a text-format libpq result, by the ODBC sources' rules (OdbcResultColumns
// over psqlODBC), so that a dataset answers the same whichever connector runs it: integers
// (int2/int4/int8), booleans, exact decimals at the column's scale (numeric), floats as their
// shortest fixed decimal, dates, datetimes ("YYYY-MM-DDTHH:MM:SS[.fff]", the zone dropped as
// psqlODBC does) and everything else as UTF-8 text.
class PostgresResultColumns {
 public:
  static std::vector<std::string> names(const PGresult* result);

  // Reads row `row` of `result`. A text value longer than `maxValueBytes` throws
  // Error(SourceUnavailable, SQLSTATE 22001) naming the column, as the ODBC sources do.
  static Row read(const PGresult* result, int row, const std::string& sourceId,
                  std::size_t maxValueBytes);
};

}  // namespace oncegate::postgres
