#include "TestCommands.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace oncegate::testing {

std::string commandOutput(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    ::pclose(pipe);
  }
  return out;
}

std::string sha256sum(const std::string& text) {
  return commandOutput("printf %s '" + text + "' | sha256sum").substr(0, 64);
}

void runSqliteSql(const std::string& database, const std::string& sql) {
  char path[] = "/tmp/oncegate-sqlite-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  std::ofstream(path) << sql;
  const std::string command = "sqlite3 -bail " + database + " < " + path;
  const int status = std::system(command.c_str());
  std::remove(path);
  if (status != 0) throw std::runtime_error("sqlite3 failed on:\n" + sql);
}

std::string postgresQuery(const std::string& sql) {
  const char* bin = std::getenv("ONCEGATE_TEST_PG_BIN");
  const char* port = std::getenv("ONCEGATE_TEST_PG_PORT");
  if (bin == nullptr || port == nullptr) {
    throw std::runtime_error(
        "ONCEGATE_TEST_PG_BIN and ONCEGATE_TEST_PG_PORT are not set: run "
        "scripts/test-servers.sh start, then eval its env");
  }
  char path[] = "/tmp/oncegate-sql-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  std::ofstream(path) << sql;
  const std::string command = std::string(bin) + "/psql -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                              port + " -U postgres -d oncegate_test -f " + path + "; echo \"$?\"";
  auto out = commandOutput(command);
  std::remove(path);
  // The last line is psql's exit status, so that a failure is not mistaken for an empty answer.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const auto statusAt = out.rfind('\n');
  const auto status = out.substr(statusAt == std::string::npos ? 0 : statusAt + 1);
  if (status != "0") throw std::runtime_error("psql failed on:\n" + sql);
  return statusAt == std::string::npos ? std::string() : out.substr(0, statusAt);
}

std::string randomHex(std::size_t length) {
  std::random_device random;
  std::string out;
  while (out.size() < length) out += "0123456789abcdef"[random() % 16];
  return out;
}

}  // namespace oncegate::testing
