#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace oncegate::testing {

// A real redis-server (or redis-sentinel) of the test's own, for the topologies one shared test
// Redis cannot play: a master and its replicas, sentinels, a cluster's nodes. It runs as a child
// of the test on an unused loopback port, in a temporary directory of its own (config, log,
// whatever it writes), without persistence; the destructor kills it and removes the directory.
class RedisServerProcess {
 public:
  enum class Role { Server, Sentinel };

  // Starts it with `configLines` appended to its config file (e.g. "replicaof 127.0.0.1 7001",
  // "cluster-enabled yes", or for a sentinel "sentinel monitor m 127.0.0.1 7001 2"); returns once
  // it answers PING. Fails the test (ADD_FAILURE, then throws) when it does not within 10 s.
  explicit RedisServerProcess(std::vector<std::string> configLines = {}, Role role = Role::Server);
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  const std::filesystem::path& directory() const { return directory_; }

  // redis-cli -p PORT ARGS...: its standard output without the trailing newline. Fails the test
  // when redis-cli exits non-zero (a Redis error reply alone does not make it exit non-zero).
  std::string cli(const std::vector<std::string>& args) const;

  // Asks this sentinel to fail `master` over (SENTINEL FAILOVER) until it agrees; false when it
  // has not within `patience`. A sentinel lists a replica before it has read the replica's INFO,
  // and until then refuses with NOGOODSLAVE, a reply cli() does not fail on.
  bool forceFailover(const std::string& master, std::chrono::milliseconds patience) const;

  // SIGKILL and reap: the server is gone at once, as in a crash or a pulled cable.
  void kill();
  // Starts it again on the same port and directory after kill(), with the config file as the
  // server left it (a sentinel or cluster node rewrites its own).
  void restart();
  bool running() const { return pid_ > 0; }

 private:
  void start();

  Role role_;
  std::uint16_t port_ = 0;
  std::filesystem::path directory_;
  pid_t pid_ = -1;
};

}  // namespace oncegate::testing
