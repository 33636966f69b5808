#include "connectors/odbc/OdbcDialect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "common/AsciiCase.h"
#include "connectors/odbc/OdbcEnvironment.h"
#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// The value of `key` (compared without case) in an ODBC connection string: `k=v;...`, where a
// value in braces may hold ';' and writes '}' as "}}".
std::optional<std::string> connectionValue(std::string_view text, std::string_view key) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto equals = text.find('=', i);
    if (equals == std::string_view::npos) return std::nullopt;
    const auto semicolon = text.find(';', i);
    if (semicolon != std::string_view::npos && semicolon < equals) {
      i = semicolon + 1;
      continue;
    }
    const bool wanted = equalsIgnoringAsciiCase(trimmed(text.substr(i, equals - i)), key);
    std::size_t at = equals + 1;
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    std::string value;
    if (at < text.size() && text[at] == '{') {
      ++at;
      while (at < text.size()) {
        if (text[at] == '}') {
          if (at + 1 < text.size() && text[at + 1] == '}') {
            value.push_back('}');
            at += 2;
            continue;
          }
          ++at;
          break;
        }
        value.push_back(text[at++]);
      }
    }
    const auto end = std::min(text.find(';', at), text.size());
    if (value.empty()) value = std::string(trimmed(text.substr(at, end - at)));
    if (wanted) return value;
    i = end + 1;
  }
  return std::nullopt;
}

// The driver the driver manager gives data source `dsn` (odbc.ini, user's then system's).
std::optional<std::string> driverOfDataSource(SQLHENV environment, std::string_view dsn) {
  std::array<SQLCHAR, 256> name{};
  std::array<SQLCHAR, 512> driver{};
  SQLSMALLINT nameLength = 0;
  SQLSMALLINT driverLength = 0;
  SQLUSMALLINT direction = SQL_FETCH_FIRST;
  while (succeeded(SQLDataSources(environment, direction, name.data(),
                                  static_cast<SQLSMALLINT>(name.size()), &nameLength, driver.data(),
                                  static_cast<SQLSMALLINT>(driver.size()), &driverLength))) {
    direction = SQL_FETCH_NEXT;
    if (equalsIgnoringAsciiCase(reinterpret_cast<const char*>(name.data()), dsn)) {
      return std::string(reinterpret_cast<const char*>(driver.data()));
    }
  }
  return std::nullopt;
}

// The attributes odbcinst.ini registers for driver `name` ("Driver=libmaodbc.so Setup=..."),
// so that a driver registered under a name of a department's choosing is still recognised.
std::string attributesOfDriver(SQLHENV environment, std::string_view name) {
  std::array<SQLCHAR, 256> description{};
  std::array<SQLCHAR, 2048> attributes{};
  SQLSMALLINT descriptionLength = 0;
  SQLSMALLINT attributesLength = 0;
  SQLUSMALLINT direction = SQL_FETCH_FIRST;
  while (succeeded(SQLDrivers(environment, direction, description.data(),
                              static_cast<SQLSMALLINT>(description.size()), &descriptionLength,
                              attributes.data(), static_cast<SQLSMALLINT>(attributes.size()),
                              &attributesLength))) {
    direction = SQL_FETCH_NEXT;
    if (!equalsIgnoringAsciiCase(reinterpret_cast<const char*>(description.data()), name)) {
      continue;
    }
    // Pairs separated by NUL bytes, the list ending in two.
    const auto length = std::min<std::size_t>(
        static_cast<std::size_t>(std::max<SQLSMALLINT>(attributesLength, 0)), attributes.size());
    std::string text(reinterpret_cast<const char*>(attributes.data()), length);
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
  }
  return {};
}

}  // namespace

SqlDialect dialectOfDriver(std::string_view driver) {
  std::string folded;
  folded.reserve(driver.size());
  for (const char c : driver) {
    folded.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // libmaodbc.so is MariaDB's Connector/ODBC, libmyodbc*.so MySQL's.
  for (const std::string_view mark : {"mariadb", "mysql", "maodbc", "myodbc"}) {
    if (folded.find(mark) != std::string::npos) return SqlDialect::MySql;
  }
  return SqlDialect::Standard;
}

SqlDialect odbcDialect(std::string_view connection) {
  auto driver = connectionValue(connection, "DRIVER");
  const auto environment = OdbcEnvironment::shared();
  if (!driver) {
    const auto dsn = connectionValue(connection, "DSN");
    if (!dsn) return SqlDialect::Standard;
    driver = driverOfDataSource(environment->get(), *dsn);
    if (!driver) return SqlDialect::Standard;
  }
  if (dialectOfDriver(*driver) == SqlDialect::MySql) return SqlDialect::MySql;
  return dialectOfDriver(attributesOfDriver(environment->get(), *driver));
}

}  // namespace oncegate::odbc
