#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace oncegate::testing {

// A configuration directory written by a test: file name (relative) to content.
using ConfigFiles = std::map<std::string, std::string>;

// The real gateway binary, started on a free loopback port with a configuration the test wrote,
// and stopped (SIGTERM) when the object goes. Its stderr is kept for assertions on the logs.
class GatewayProcess {
 public:
  // Where the gateway's stderr goes: a file the test reads, or a pipe read only until the
  // gateway says it listens and never again (a stalled log collector).
  enum class Stderr { File, UnreadPipe };

  explicit GatewayProcess(const ConfigFiles& files, std::map<std::string, std::string> env = {},
                          Stderr stderrTo = Stderr::File);
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }
  // With Stderr::UnreadPipe, what was read before the gateway listened.
  std::string logs() const;
  // Stops the process and returns its exit code.
  int stop();
  // Sends SIGTERM and waits at most `patience` for the exit: its exit code, or nullopt when the
  // process had to be killed (SIGKILL) because it did not exit in time.
  std::optional<int> stopWithin(std::chrono::milliseconds patience);
  pid_t pid() const { return pid_; }

  // Runs the binary on a configuration, waits for it to exit, returns exit code and stderr.
  static std::pair<int, std::string> runToExit(const ConfigFiles& files);

  static std::filesystem::path makeDirectory(const ConfigFiles& files);
  static std::filesystem::path binary();

 private:
  std::filesystem::path directory_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  Stderr stderrTo_;
  int stderrPipe_ = -1;  // read end, kept open (unread) so that the gateway's writes block
  std::string pipeText_;
};

}  // namespace oncegate::testing
