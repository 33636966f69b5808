#include "PostgresTestDatabase.h"

#include <unistd.h>

#include <stdexcept>

#include "TestServers.h"

namespace oncegate::testing {

PostgresTestDatabase::PostgresTestDatabase(const std::string& prefix)
    : name_(prefix + "_" + std::to_string(::getpid())), odbc_(postgresOdbc()) {
  runPostgresSql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE);\nCREATE DATABASE " + name_ +
                 ";\n");
  const std::string current = "Database=oncegate_test";
  const auto at = odbc_.find(current);
  if (at == std::string::npos) {
    throw std::runtime_error("the test PostgreSQL's ODBC string names no Database=oncegate_test");
  }
  odbc_.replace(at, current.size(), "Database=" + name_);
}

PostgresTestDatabase::~PostgresTestDatabase() {
  runPostgresSql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE);\n");
}

}  // namespace oncegate::testing
