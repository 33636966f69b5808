#pragma once

#include <cstdint>

namespace oncegate {

// How the gateway follows a Sentinel-monitored Redis master, as a scrape shows it (from
// RedisSentinelDiscovery); absent unless redis: names sentinels.
struct RedisSentinelSample {
  std::uint64_t masterSwitches = 0;  // a known master replaced by another
  bool masterKnown = false;
};

}  // namespace oncegate
