#pragma once

#include <cstdint>

namespace oncegate {

// How the Redis Cluster cache followed the cluster's slot map, as a scrape shows it (from
// RedisClusterStats; present only when the cache is on a Cluster).
struct RedisClusterSample {
  std::uint64_t moved = 0;
  std::uint64_t asked = 0;
  std::uint64_t mapRefreshes = 0;
};

}  // namespace oncegate
