#include "mappings/PlaceholderRewriter.h"

#include <algorithm>

namespace oncegate {

namespace {

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentifierChar(char c) { return isIdentifierStart(c) || (c >= '0' && c <= '9'); }

// The index after the quote that closes the quoted run opening at query[i], or npos when none
// does. A doubled quote needs no rule of its own: it closes the run and at once opens the next.
// With `backslashEscapes` (MariaDB's strings) a backslash takes the character after it as text,
// so 'it\'s' is one run.
std::size_t endOfQuoted(std::string_view query, std::size_t i, bool backslashEscapes) {
  const char quote = query[i];
  std::size_t at = i + 1;
  while (at < query.size()) {
    if (backslashEscapes && query[at] == '\\') {
      at += 2;
    } else if (query[at] == quote) {
      return at + 1;
    } else {
      ++at;
    }
  }
  return std::string_view::npos;
}

std::size_t endOfLine(std::string_view query, std::size_t i) {
  return std::min(query.find('\n', i), query.size());
}

}  // namespace

PlaceholderRewriter::Result PlaceholderRewriter::rewrite(std::string_view query) const {
  const bool mysql = dialect_ == SqlDialect::MySql;
  Result out;
  out.sql.reserve(query.size());
  const auto fail = [&out](std::string problem) {
    out.problem = std::move(problem);
    return std::move(out);
  };
  std::size_t i = 0;
  while (i < query.size()) {
    const char c = query[i];
    const char next = i + 1 < query.size() ? query[i + 1] : '\0';
    // In MariaDB "--" opens a comment only before a blank or a control character: 5--1 is 6.
    const bool dashComment =
        c == '-' && next == '-' &&
        (!mysql || i + 2 >= query.size() || static_cast<unsigned char>(query[i + 2]) <= ' ');
    if (c == '\'' || c == '"' || (mysql && c == '`')) {
      // MariaDB's "..." is a string like '...'; standard SQL's is an identifier, as is `...`.
      const bool isString = c == '\'' || (mysql && c == '"');
      // PostgreSQL's E'...' takes backslash escapes too; in date'...' the e ends a type name.
      const bool escapeString = c == '\'' && i > 0 &&
                                (query[i - 1] == 'E' || query[i - 1] == 'e') &&
                                (i < 2 || !isIdentifierChar(query[i - 2]));
      const auto end = endOfQuoted(query, i, (mysql && isString) || escapeString);
      if (end == std::string_view::npos) {
        return fail(isString ? "query has an unterminated string literal"
                             : "query has an unterminated quoted identifier");
      }
      out.sql.append(query.substr(i, end - i));
      i = end;
    } else if (dashComment || (mysql && c == '#')) {
      const auto end = endOfLine(query, i);
      out.sql.append(query.substr(i, end - i));
      i = end;
    } else if (c == '/' && next == '*') {
      const auto close = query.find("*/", i + 2);
      if (close == std::string_view::npos) return fail("query has an unterminated /* comment");
      out.sql.append(query.substr(i, close + 2 - i));
      i = close + 2;
    } else if (c == ':' && next == ':') {
      out.sql.append("::");  // a PostgreSQL cast
      i += 2;
    } else if (c == ':' && isIdentifierStart(next)) {
      std::size_t end = i + 1;
      while (end < query.size() && isIdentifierChar(query[end])) ++end;
      out.names.emplace_back(query.substr(i + 1, end - i - 1));
      out.sql.push_back('?');
      i = end;
    } else if (c == '?') {
      return fail("query uses '?': write named placeholders such as :id_card");
    } else {
      out.sql.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace oncegate
