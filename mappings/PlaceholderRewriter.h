#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/SqlDialect.h"

namespace oncegate {

// Turns a dataset query's `:name` placeholders into the positional `?` that ODBC binds, reading
// the query with its source's lexical rules: a `:x` inside a string literal, a quoted identifier
// or a comment is text, not a placeholder, and which of those a character opens depends on the
// dialect (MariaDB's 'it\'s :x' is one string; in standard SQL it is a string and then more SQL).
class PlaceholderRewriter {
 public:
  struct Result {
    std::string sql;                 // with positional `?` placeholders
    std::vector<std::string> names;  // one per `?`, in order (a name used twice appears twice)
    // Why the query cannot be bound safely ("query has an unterminated string literal"), or
    // empty. The rest of the result is meaningless when it is set.
    std::string problem;
  };

  explicit PlaceholderRewriter(SqlDialect dialect) : dialect_(dialect) {}

  // Any input is safe (a fuzzer target calls it). A bare `?` is a problem: it would shift every
  // later parameter, so names are the only way to bind.
  Result rewrite(std::string_view query) const;

 private:
  SqlDialect dialect_;
};

}  // namespace oncegate
