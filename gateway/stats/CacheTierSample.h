#pragma once

#include <cstdint>
#include <string>

namespace oncegate {

// One cache tier's failures as a scrape shows them, from its CacheStats. Its hits and misses
// are counted per dataset by GatewayStats instead, where the dataset is known.
struct CacheTierSample {
  std::string tier;  // "local", "redis", "memory"
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t undecryptable = 0;  // values that did not decrypt (a tier that seals them)
};

}  // namespace oncegate
