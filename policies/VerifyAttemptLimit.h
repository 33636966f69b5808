#pragma once

#include <chrono>
#include <cstdint>

#include "common/ConfigNode.h"

namespace oncegate {

// How many /v1/verify guesses one client may make at one field of one subject: `count` within
// `per`, counted from the first guess of the window (gateway.yaml `limits.verify_attempts`).
struct VerifyAttemptLimit {
  static constexpr std::int64_t kMaxCount = 1'000'000;

  std::int64_t count = 5;
  std::chrono::milliseconds per = std::chrono::hours(1);

  // A `verify_attempts:` mapping: { count, per }; a key left out keeps its default.
  static VerifyAttemptLimit parse(const ConfigNode& node);

  bool operator==(const VerifyAttemptLimit&) const = default;
};

}  // namespace oncegate
