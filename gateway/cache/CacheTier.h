#pragma once

#include <cstdint>
#include <string_view>

namespace oncegate {

// Where a cached row was found: an instance's own first tier in front of Redis (TieredCache),
// Redis itself, or the in-process cache of a gateway without Redis.
enum class CacheTier : std::uint8_t { Local, Redis, Memory };

// The name /metrics labels a tier with: "local", "redis", "memory".
constexpr std::string_view cacheTierName(CacheTier tier) {
  switch (tier) {
    case CacheTier::Local:
      return "local";
    case CacheTier::Redis:
      return "redis";
    case CacheTier::Memory:
      return "memory";
  }
  return "unknown";
}

}  // namespace oncegate
