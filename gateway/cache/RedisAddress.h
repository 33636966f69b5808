#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// One Redis node (a sentinel, a cluster node, a data node) as `host:port` or `[v6-host]:port`.
struct RedisAddress {
  std::string host;
  std::uint16_t port = 0;

  // nullopt unless `text` is a host, a colon and a port in 1..65535 (the port is required:
  // sentinels and cluster nodes have no common default).
  static std::optional<RedisAddress> parse(std::string_view text);
  // host:port, with an IPv6 host in brackets: for log lines (an address carries no secret).
  std::string text() const;

  friend bool operator==(const RedisAddress&, const RedisAddress&) = default;
};

}  // namespace oncegate
