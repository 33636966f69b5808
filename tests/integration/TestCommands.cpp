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

std::string randomHex(std::size_t length) {
  std::random_device random;
  std::string out;
  while (out.size() < length) out += "0123456789abcdef"[random() % 16];
  return out;
}

}  // namespace oncegate::testing
