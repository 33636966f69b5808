#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/cache/RedisAddress.h"

namespace oncegate {

// Where the shared cache lives and how to log in, from gateway.yaml's `redis:`:
//   redis://[[user]:password@]host[:port][/db]  or  { url, user, password }      (one server)
//   { sentinel: [host:port, ...], master: NAME, user, password, sentinel_password, database }
//   { cluster: [host:port, ...], user, password }                                (Redis Cluster)
// Every connection the gateway opens to a data node (cache, pub/sub channels, admin
// invalidations) sends AUTH with username/password. Log lines name host and port only.
struct RedisEndpoint {
  enum class Topology : std::uint8_t {
    Standalone,  // host:port is the server
    Sentinel,    // the master named masterName, as the sentinels in `seeds` report it
    Cluster,     // the cluster that the nodes in `seeds` belong to, followed by its slot map
  };

  static constexpr std::uint16_t kDefaultPort = 6379;
  static constexpr std::string_view kDefaultClientName = "oncegate";

  std::string host;
  std::uint16_t port = kDefaultPort;
  std::string username;  // Redis 6 ACL user; empty = the default user
  std::string password;  // empty = no AUTH
  int database = 0;      // SELECTed after connecting when not 0
  // Sent with CLIENT SETNAME, so that operators can tell gateway connections in CLIENT LIST.
  std::string clientName{kDefaultClientName};

  Topology topology = Topology::Standalone;
  // Sentinel: the sentinels to ask; Cluster: the nodes to read the slot map from first.
  // Standalone: empty. In the other two modes host/port are unset (empty, the default port).
  std::vector<RedisAddress> seeds;
  std::string masterName;        // Sentinel: the name the sentinels monitor the master by
  std::string sentinelPassword;  // Sentinel: AUTH for the sentinels themselves; empty = none

  // nullopt when `url` is not of the form above (wrong scheme, no host, bad port or db).
  // The password may be percent-encoded (%40 for '@'); IPv6 hosts go in brackets.
  static std::optional<RedisEndpoint> parse(std::string_view url);
};

}  // namespace oncegate
