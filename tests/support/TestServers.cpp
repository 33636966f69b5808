#include "TestServers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace oncegate::testing {

namespace {
std::string requireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) +
                             " is not set: start the servers with scripts/test-servers.sh start "
                             "and eval \"$(scripts/test-servers.sh env)\", or run scripts/test.sh");
  }
  return value;
}
}  // namespace

std::string redisAddress() { return requireEnv("ONCEGATE_TEST_REDIS"); }

std::string postgresOdbc() { return requireEnv("ONCEGATE_TEST_PG_ODBC"); }

std::string mariadbOdbc() { return requireEnv("ONCEGATE_TEST_MARIADB_ODBC"); }

std::string mariadbPort() { return requireEnv("ONCEGATE_TEST_MARIADB_PORT"); }

void runPostgresSql(const std::string& sql) {
  const std::string bin = requireEnv("ONCEGATE_TEST_PG_BIN");
  const std::string port = requireEnv("ONCEGATE_TEST_PG_PORT");
  char path[] = "/tmp/oncegate-sql-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << sql;
  }
  const std::string command = bin + "/psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + port +
                              " -U postgres -d oncegate_test -f " + path + " >/dev/null";
  const int status = std::system(command.c_str());
  std::remove(path);
  ASSERT_EQ(status, 0) << "psql failed on:\n" << sql;
}

void runMariadbSql(const std::string& sql) {
  const std::string port = mariadbPort();
  char path[] = "/tmp/oncegate-sql-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << sql;
  }
  // utf8mb4 on the client side too: the scripts hold Chinese text.
  const std::string command = "mariadb --protocol=tcp -h 127.0.0.1 -P " + port +
                              " -u root --default-character-set=utf8mb4 oncegate_test < " + path +
                              " >/dev/null";
  const int status = std::system(command.c_str());
  std::remove(path);
  ASSERT_EQ(status, 0) << "mariadb failed on:\n" << sql;
}

}  // namespace oncegate::testing
