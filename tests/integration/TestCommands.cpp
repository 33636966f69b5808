#include "TestCommands.h"

#include <cstdio>
#include <random>

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

std::string randomHex(std::size_t length) {
  std::random_device random;
  std::string out;
  while (out.size() < length) out += "0123456789abcdef"[random() % 16];
  return out;
}

}  // namespace oncegate::testing
