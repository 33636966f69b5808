#pragma once

#include <cstdint>

#include "common/ConfigNode.h"

namespace oncegate {

// How many /v1 requests a client may make: `per_second` on average, up to `burst` at once.
struct RateLimit {
  // Decimals are allowed so that slow batch clients can be held below one request a second
  // (0.2 = one every 5 s); the bounds keep every interval and tolerance within 64-bit nanoseconds.
  static constexpr double kMinPerSecond = 0.001;
  static constexpr double kMaxPerSecond = 1'000'000;
  static constexpr std::int64_t kMaxBurst = 100'000;

  double perSecond = 1;
  std::int64_t burst = 1;

  // A `rate_limit:` mapping: { per_second, burst }. Without `burst`, a client may spend one
  // second's worth of requests at once: per_second rounded up.
  static RateLimit parse(const ConfigNode& node);

  bool operator==(const RateLimit&) const = default;
};

}  // namespace oncegate
