#pragma once

#include <string>

namespace oncegate::testing {

// Addresses of the real servers started by scripts/test-servers.sh, read from its environment
// variables. When a variable is missing the test fails (never skips): CI must run everything.
std::string redisAddress();  // "127.0.0.1:16379" from ONCEGATE_TEST_REDIS
std::string postgresOdbc();  // an ODBC connection string from ONCEGATE_TEST_PG_ODBC
std::string mariadbOdbc();   // an ODBC connection string from ONCEGATE_TEST_MARIADB_ODBC
std::string mariadbPort();   // "13306" from ONCEGATE_TEST_MARIADB_PORT
// Runs one SQL script against the test PostgreSQL database through psql; fails the test on error.
void runPostgresSql(const std::string& sql);
// Runs one SQL script against the test MariaDB database (oncegate_test) through the mariadb
// client; fails the test on error.
void runMariadbSql(const std::string& sql);

}  // namespace oncegate::testing
