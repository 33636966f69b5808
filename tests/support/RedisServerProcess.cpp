#include "RedisServerProcess.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "UnusedPort.h"

extern char** environ;

namespace oncegate::testing {

namespace {

using namespace std::chrono_literals;

// True once something on `port` answers a PING (a server that wants AUTH answers -NOAUTH, which
// also means it is up).
bool answersPing(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval timeout{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool up = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
    std::array<char, 64> reply{};
    const auto n = ::recv(fd, reply.data(), reply.size(), 0);
    up = n > 0 && (reply[0] == '+' ||
                   std::string(reply.data(), static_cast<std::size_t>(n)).starts_with("-NOAUTH"));
  }
  ::close(fd);
  return up;
}

}  // namespace

RedisServerProcess::RedisServerProcess(std::vector<std::string> configLines, Role role)
    : role_(role), port_(unusedLoopbackPort()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "oncegate-redis.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  std::ofstream config(directory_ / "redis.conf");
  config << "port " << port_ << "\nbind 127.0.0.1\nsave \"\"\nappendonly no\n"
         << "dir " << directory_.string() << "\nlogfile " << (directory_ / "redis.log").string()
         << "\n";
  for (const auto& line : configLines) config << line << "\n";
  config.close();
  start();
}

RedisServerProcess::~RedisServerProcess() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string RedisServerProcess::address() const { return "127.0.0.1:" + std::to_string(port_); }

void RedisServerProcess::start() {
  const std::string config = (directory_ / "redis.conf").string();
  std::vector<std::string> args{"redis-server", config};
  if (role_ == Role::Sentinel) args.emplace_back("--sentinel");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
    ADD_FAILURE() << "could not start redis-server";
    throw std::runtime_error("redis-server did not start");
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!answersPing(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_ || std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "redis-server on port " << port_ << " did not come up; see "
                    << (directory_ / "redis.log");
      throw std::runtime_error("redis-server did not come up");
    }
    std::this_thread::sleep_for(20ms);
  }
}

void RedisServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServerProcess::restart() {
  kill();
  start();
}

std::string RedisServerProcess::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -p " + std::to_string(port_);
  for (const auto& arg : args) command += " '" + arg + "'";
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) ADD_FAILURE() << command << " failed: " << output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

bool RedisServerProcess::forceFailover(const std::string& master,
                                       std::chrono::milliseconds patience) const {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (cli({"SENTINEL", "FAILOVER", master}) != "OK") {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace oncegate::testing
