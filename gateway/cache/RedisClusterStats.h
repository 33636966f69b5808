#pragma once

#include <cstdint>

namespace oncegate {

// What following a Redis Cluster's slot map took, since the cache was created (for /metrics).
struct RedisClusterStats {
  std::uint64_t moved = 0;         // -MOVED replies followed: a slot had a new owner
  std::uint64_t asked = 0;         // -ASK replies followed: a slot was being migrated
  std::uint64_t mapRefreshes = 0;  // slot maps read (CLUSTER SLOTS) and put in force
};

}  // namespace oncegate
