#pragma once

#include <cstdint>

namespace oncegate {

// A snapshot of a cache's counters since it was created, for /metrics.
// hits and misses count keys; errors counts operations that failed (cache down, connection lost,
// error reply); timeouts counts lookups that got no answer in time (their keys are also misses).
struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t undecryptable = 0;
};

}  // namespace oncegate
