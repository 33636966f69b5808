#include "OncegatectlRun.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace oncegate::testing {

namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CtlRun runCtl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  char pattern[] = "/tmp/oncegatectl-run-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) return {};
  const std::filesystem::path directory(made);
  const auto outPath = directory / "stdout";
  const auto errPath = directory / "stderr";
  const auto binary =
      (std::filesystem::path(ONCEGATE_BINARY_DIR) / "gateway" / "oncegatectl").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    const int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CtlRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(outPath), readFile(errPath)};
  std::filesystem::remove_all(directory);
  return run;
}

}  // namespace oncegate::testing
