#pragma once

#include <cstdint>
#include <string>

#include "common/LatencyHistogram.h"

namespace oncegate {

// One source database as a scrape shows it; the composition root fills it from the source's own
// counters (SourceStats, its pool and breaker) when /metrics is asked.
struct SourceSample {
  std::string id;
  std::uint64_t queries = 0;
  std::uint64_t failures = 0;  // timeouts included
  std::uint64_t timeouts = 0;
  std::uint64_t shortCircuited = 0;
  std::uint64_t connects = 0;
  std::uint64_t inUse = 0;      // connections running a query now
  std::uint64_t queued = 0;     // queries waiting for a connection
  std::uint64_t abandoned = 0;  // workers given up on whose driver call has not returned
  bool breakerOpen = false;
  bool down = false;  // its last connect failed
  LatencyHistogram::Snapshot durations;
};

}  // namespace oncegate
