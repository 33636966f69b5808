#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// Where the shared cache lives and how to log in, from gateway.yaml's
// `redis: redis://[[user]:password@]host[:port][/db]` or `redis: { url, user, password }`. Every
// connection the gateway opens to Redis (cache, pub/sub channels, admin invalidations) sends
// AUTH with these. Log lines name host and port only, never the URL.
struct RedisEndpoint {
  static constexpr std::uint16_t kDefaultPort = 6379;
  static constexpr std::string_view kDefaultClientName = "oncegate";

  std::string host;
  std::uint16_t port = kDefaultPort;
  std::string username;  // Redis 6 ACL user; empty = the default user
  std::string password;  // empty = no AUTH
  int database = 0;      // SELECTed after connecting when not 0
  // Sent with CLIENT SETNAME, so that operators can tell gateway connections in CLIENT LIST.
  std::string clientName{kDefaultClientName};

  // nullopt when `url` is not of the form above (wrong scheme, no host, bad port or db).
  // The password may be percent-encoded (%40 for '@'); IPv6 hosts go in brackets.
  static std::optional<RedisEndpoint> parse(std::string_view url);
};

}  // namespace oncegate
