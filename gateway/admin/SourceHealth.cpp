#include "gateway/admin/SourceHealth.h"

#include <cmath>
#include <cstddef>

namespace oncegate {

namespace {
constexpr double kMsPerSecond = 1000.0;
}  // namespace

SourceHealth SourceHealth::of(const SourceStats& stats) {
  SourceHealth health;
  health.breakerOpen = stats.breakerOpen;
  if (stats.down) {
    health.state = State::Down;
  } else if (stats.breakerOpen) {
    health.state = State::Failing;
  } else if (stats.connects > 0) {
    health.state = State::Healthy;
  }
  const auto& durations = stats.queryDuration;
  health.latency.queries = durations.count;
  if (durations.count > 0) {
    health.latency.meanMs =
        durations.sumSeconds * kMsPerSecond / static_cast<double>(durations.count);
    health.latency.p50Ms = percentileMs(durations, 50);
    health.latency.p90Ms = percentileMs(durations, 90);
    health.latency.p99Ms = percentileMs(durations, 99);
  }
  return health;
}

std::string_view SourceHealth::stateName(State state) {
  switch (state) {
    case State::Healthy:
      return "healthy";
    case State::Failing:
      return "failing";
    case State::Down:
      return "down";
    case State::Idle:
      return "idle";
  }
  return "idle";
}

std::optional<double> SourceHealth::percentileMs(const LatencyHistogram::Snapshot& durations,
                                                 double percentile) {
  // The buckets, not `count`: a scrape racing an observation may count it before its bucket.
  std::uint64_t total = 0;
  for (const auto bucket : durations.counts) total += bucket;
  if (total == 0) return std::nullopt;
  const auto rank =
      static_cast<std::uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBoundsSeconds.size(); ++i) {
    seen += durations.counts[i];
    if (seen >= rank) return LatencyHistogram::kBoundsSeconds[i] * kMsPerSecond;
  }
  return std::nullopt;  // in the +Inf bucket
}

}  // namespace oncegate
