#pragma once

#include <cstdint>

#include "common/LatencyHistogram.h"

namespace oncegate {

// The audit trail as a scrape shows it, filled from the audit log when /metrics is asked.
struct AuditSample {
  std::uint64_t queueDepth = 0;  // records accepted, not yet written
  std::uint64_t written = 0;
  LatencyHistogram::Snapshot fsyncDurations;
  // Shipping to the central audit record (audit.store); all 0 without one.
  std::uint64_t shipBacklogBytes = 0;
  double shipLagSeconds = 0;
  std::uint64_t shippedRecords = 0;
  std::uint64_t shipFailures = 0;
  bool shipHalted = false;
};

}  // namespace oncegate
