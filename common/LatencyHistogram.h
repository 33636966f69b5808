#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace oncegate {

// A duration distribution that any thread records into without a lock, for /metrics: one relaxed
// atomic increment per observation, so that it can sit on every request and every query. The
// bucket bounds are fixed and the same for every histogram, so that series of different
// components compare and aggregate (Prometheus' `le` labels, in seconds).
class LatencyHistogram {
 public:
  // Upper bounds in seconds, from 100 µs (a local cache hit) to 10 s (a source at its timeout).
  static constexpr std::array<double, 14> kBoundsSeconds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10};

  struct Snapshot {
    // counts[i]: observations <= kBoundsSeconds[i], not cumulative; the last one is +Inf.
    std::array<std::uint64_t, kBoundsSeconds.size() + 1> counts{};
    std::uint64_t count = 0;
    double sumSeconds = 0;
  };

  void observe(std::chrono::nanoseconds duration);
  // A consistent-enough copy: each counter is read once; a scrape racing an observation may see
  // it in `count` and not yet in its bucket, which Prometheus tolerates.
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsSeconds.size() + 1> counts_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sumNanos_{0};
};

}  // namespace oncegate
