#include "NginxProcess.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "UnusedPort.h"

namespace oncegate::testing {

namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

}  // namespace

std::filesystem::path NginxProcess::binary() {
  // Debian installs it outside a non-root user's PATH.
  const std::filesystem::path debian = "/usr/sbin/nginx";
  return std::filesystem::exists(debian) ? debian : std::filesystem::path("nginx");
}

NginxProcess::NginxProcess(const std::string& httpBlock) {
  char pattern[] = "/tmp/oncegate-nginx-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = made;
  // Run as root, nginx's workers are `nobody`: they must reach the temporary directories that the
  // master makes (and hands to them) in here.
  ::chmod(directory_.c_str(), 0755);
  // The port is free when chosen but may be taken before nginx binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (startOn(unusedLoopbackPort(), httpBlock)) return;
  }
  throw std::runtime_error("nginx found no free port in five attempts:\n" + errorLog());
}

bool NginxProcess::startOn(std::uint16_t port, const std::string& httpBlock) {
  const auto dir = directory_.string();
  std::string block = httpBlock;
  replaceAll(block, "@PORT@", std::to_string(port));
  replaceAll(block, "@DIR@", dir);
  {
    std::ofstream conf(directory_ / "nginx.conf");
    conf << "worker_processes 1;\n"
         << "pid " << dir << "/nginx.pid;\n"
         << "error_log " << dir << "/error.log warn;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n"
         << "  log_format upstreams '$request $status upstream=$upstream_addr "
            "upstream_status=$upstream_status time=$request_time';\n"
         << "  access_log " << dir << "/access.log upstreams;\n"
         << "  client_body_temp_path " << dir << "/client_body;\n"
         << "  proxy_temp_path " << dir << "/proxy;\n"
         << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
         << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
         << "  scgi_temp_path " << dir << "/scgi;\n"
         << block << "\n}\n";
  }
  const auto bin = binary().string();
  const auto conf = (directory_ / "nginx.conf").string();
  const auto earlyLog = (directory_ / "error.log").string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // -e: where nginx writes before it has read the configuration's error_log.
    ::execlp(bin.c_str(), bin.c_str(), "-c", conf.c_str(), "-p", dir.c_str(), "-e",
             earlyLog.c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (accepts(port)) {
      port_ = port;
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (errorLog().find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("nginx exited at start (" + conf + "):\n" + errorLog());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  throw std::runtime_error("nginx did not listen within 10 s:\n" + errorLog());
}

NginxProcess::~NginxProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
}

std::string NginxProcess::errorLog() const { return readFile(directory_ / "error.log"); }

std::string NginxProcess::accessLog() const { return readFile(directory_ / "access.log"); }

int NginxProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace oncegate::testing
