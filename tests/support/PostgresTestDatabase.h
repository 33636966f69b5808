#pragma once

#include <string>

namespace oncegate::testing {

// A database of its own on the test PostgreSQL, made afresh when constructed ("<prefix>_<pid>")
// and dropped when destroyed, so that tests sharing the server never see each other's tables.
class PostgresTestDatabase {
 public:
  explicit PostgresTestDatabase(const std::string& prefix);
  ~PostgresTestDatabase();
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The test server's ODBC connection string, pointed at this database.
  const std::string& odbc() const { return odbc_; }

 private:
  std::string name_;
  std::string odbc_;
};

}  // namespace oncegate::testing
