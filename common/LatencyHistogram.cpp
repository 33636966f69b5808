#include "common/LatencyHistogram.h"

#include <algorithm>

namespace oncegate {

void LatencyHistogram::observe(std::chrono::nanoseconds duration) {
  const auto nanos = std::max<std::int64_t>(duration.count(), 0);
  const double seconds = static_cast<double>(nanos) / 1e9;
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBoundsSeconds.begin(), kBoundsSeconds.end(), seconds) -
      kBoundsSeconds.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sumNanos_.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot out;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    out.counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  out.count = count_.load(std::memory_order_relaxed);
  out.sumSeconds = static_cast<double>(sumNanos_.load(std::memory_order_relaxed)) / 1e9;
  return out;
}

}  // namespace oncegate
