#include "GatewayProcess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace oncegate::testing {

namespace {
std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}
}  // namespace

std::filesystem::path GatewayProcess::binary() {
  return std::filesystem::path(ONCEGATE_BINARY_DIR) / "gateway" / "oncegate";
}

std::filesystem::path GatewayProcess::makeDirectory(const ConfigFiles& files) {
  char pattern[] = "/tmp/oncegate-it-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path directory(made);
  for (const auto& [name, content] : files) {
    const auto path = directory / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  return directory;
}

GatewayProcess::GatewayProcess(const ConfigFiles& files, std::map<std::string, std::string> env,
                               Stderr stderrTo)
    : directory_(makeDirectory(files)), stderrTo_(stderrTo) {
  const auto log = directory_ / "stderr.log";
  int pipeEnds[2] = {-1, -1};
  if (stderrTo == Stderr::UnreadPipe && ::pipe2(pipeEnds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    if (stderrTo == Stderr::UnreadPipe) {
      ::dup2(pipeEnds[1], STDERR_FILENO);  // dup2 clears O_CLOEXEC on the copy
    } else {
      std::FILE* err = std::freopen(log.c_str(), "w", stderr);
      (void)err;
    }
    const auto bin = binary().string();
    const auto dir = directory_.string();
    ::execl(bin.c_str(), bin.c_str(), "--config", dir.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (stderrTo == Stderr::UnreadPipe) {
    ::close(pipeEnds[1]);
    stderrPipe_ = pipeEnds[0];
  }
  const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    std::smatch match;
    const auto text = logs();
    if (std::regex_search(text, match, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the gateway exited at start:\n" + text);
    }
    if (stderrPipe_ >= 0) {
      pollfd ready{stderrPipe_, POLLIN, 0};
      if (::poll(&ready, 1, 20) > 0) {
        char chunk[4096];
        const auto count = ::read(stderrPipe_, chunk, sizeof chunk);
        if (count > 0) pipeText_.append(chunk, static_cast<std::size_t>(count));
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  stop();
  throw std::runtime_error("the gateway did not start listening:\n" + logs());
}

GatewayProcess::~GatewayProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
}

std::string GatewayProcess::logs() const {
  return stderrTo_ == Stderr::UnreadPipe ? pipeText_ : readFile(directory_ / "stderr.log");
}

int GatewayProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stderrPipe_ >= 0) ::close(stderrPipe_);
  stderrPipe_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> GatewayProcess::stopWithin(std::chrono::milliseconds patience) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + patience;
  int status = 0;
  bool exited = false;
  while (!(exited = ::waitpid(pid_, &status, WNOHANG) == pid_) &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (stderrPipe_ >= 0) ::close(stderrPipe_);
  stderrPipe_ = -1;
  if (!exited) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::pair<int, std::string> GatewayProcess::runToExit(const ConfigFiles& files) {
  const auto directory = makeDirectory(files);
  const auto log = directory / "stderr.log";
  const std::string command =
      binary().string() + " --config " + directory.string() + " 2>" + log.string() + " >/dev/null";
  const int status = std::system(command.c_str());
  auto text = readFile(log);
  std::error_code ec;
  std::filesystem::remove_all(directory, ec);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace oncegate::testing
