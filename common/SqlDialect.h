#pragma once

#include <cstdint>
#include <string_view>

namespace oncegate {

// The lexical rules a source's SQL is written in, as far as finding `:name` placeholders needs
// them (PlaceholderRewriter): where string literals, quoted identifiers and comments begin and
// end. Taken from the source's driver (odbcDialect), never from the query.
enum class SqlDialect : std::uint8_t {
  // SQL standard quoting, as PostgreSQL, SQLite, Oracle and SQL Server read it: '...' strings and
  // "..." identifiers with doubled quotes as escapes, -- and /* */ comments, `::` casts.
  Standard,
  // MariaDB and MySQL in their default sql_mode: '...' and "..." are strings in which a backslash
  // escapes the next character, `...` are identifiers, and # , "-- " and /* */ are comments.
  MySql,
};

constexpr std::string_view sqlDialectName(SqlDialect dialect) {
  return dialect == SqlDialect::MySql ? "mysql" : "standard";
}

}  // namespace oncegate
