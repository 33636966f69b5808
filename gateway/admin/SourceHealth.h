#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "connectors/Source.h"

namespace oncegate {

// How one live source is doing, read from the counters it keeps (SourceStats): what the Sources
// page shows beside each source, without sending it a query.
struct SourceHealth {
  enum class State : std::uint8_t {
    Healthy,  // it has connected, and its last connect did not fail
    Failing,  // its breaker is open: it answers unavailable at once
    Down,     // its last connect failed and none has succeeded since
    Idle,     // it has not connected yet: nothing asked of it so far
  };

  // Query latency from the source's histogram. Percentiles are the upper bound of the bucket
  // holding them (LatencyHistogram::kBoundsSeconds): a histogram keeps no exact values.
  // nullopt without queries, or (percentiles) past the histogram's last bound.
  struct Latency {
    std::uint64_t queries = 0;
    std::optional<double> meanMs;
    std::optional<double> p50Ms;
    std::optional<double> p90Ms;
    std::optional<double> p99Ms;
  };

  State state = State::Idle;
  bool breakerOpen = false;
  Latency latency;

  // Down beats Failing beats Healthy: a source whose connect fails is down whatever its breaker.
  static SourceHealth of(const SourceStats& stats);
  static std::string_view stateName(State state);
  // The nearest-rank `percentile` (0 < p <= 100) of `durations`, as its bucket's upper bound in
  // milliseconds.
  static std::optional<double> percentileMs(const LatencyHistogram::Snapshot& durations,
                                            double percentile);
};

}  // namespace oncegate
