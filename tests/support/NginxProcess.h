#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace oncegate::testing {

// nginx as a child of the test (`nginx -c CONF -p DIR -g 'daemon off;'`), one worker, on a free
// loopback port, its configuration, logs and temporary files in a directory of its own; stopped
// (SIGTERM, then waited for) when the object goes. The test writes what goes inside `http { }`:
// "@PORT@" in it stands for the port nginx is to listen on, "@DIR@" for its directory. Error and
// access logs are set by the fixture (DIR/error.log, DIR/access.log) and read with errorLog().
class NginxProcess {
 public:
  explicit NginxProcess(const std::string& httpBlock);
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }
  std::string errorLog() const;
  std::string accessLog() const;
  // Stops nginx (SIGTERM: workers close their connections) and returns its exit code.
  int stop();

  static std::filesystem::path binary();

 private:
  bool startOn(std::uint16_t port, const std::string& httpBlock);

  std::filesystem::path directory_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace oncegate::testing
