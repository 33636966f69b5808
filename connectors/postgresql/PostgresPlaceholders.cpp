#include "connectors/postgresql/PostgresPlaceholders.h"

#include <cctype>

namespace oncegate::postgres {

namespace {

bool isTagCharacter(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The length of the dollar-quote tag ($tag$ or $$) starting at `at`, or 0 when none starts there
// ($1 is a parameter, not a tag).
std::size_t dollarTagLength(std::string_view sql, std::size_t at) {
  std::size_t end = at + 1;
  if (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end])) != 0) return 0;
  while (end < sql.size() && isTagCharacter(sql[end])) ++end;
  return end < sql.size() && sql[end] == '$' ? end - at + 1 : 0;
}

}  // namespace

std::string numberedPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int number = 0;
  std::size_t i = 0;
  const auto copyUntil = [&](std::size_t end) {
    end = std::min(end, sql.size());
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A quote inside is doubled; an E'' literal also escapes with a backslash.
      const bool backslashes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      std::size_t end = i + 1;
      while (end < sql.size()) {
        if (backslashes && sql[end] == '\\') {
          end += 2;
        } else if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
          } else {
            ++end;
            break;
          }
        } else {
          ++end;
        }
      }
      copyUntil(end);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copyUntil(sql.find('\n', i));
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      std::size_t end = i + 2;
      int depth = 1;
      while (end < sql.size() && depth > 0) {
        if (sql.compare(end, 2, "/*") == 0) {
          ++depth;
          end += 2;
        } else if (sql.compare(end, 2, "*/") == 0) {
          --depth;
          end += 2;
        } else {
          ++end;
        }
      }
      copyUntil(end);
    } else if (c == '$' && dollarTagLength(sql, i) > 0) {
      const auto tag = sql.substr(i, dollarTagLength(sql, i));
      const auto close = sql.find(tag, i + tag.size());
      copyUntil(close == std::string_view::npos ? sql.size() : close + tag.size());
    } else if (c == '?') {
      out.append("$" + std::to_string(++number));
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace oncegate::postgres
