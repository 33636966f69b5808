#pragma once

#include <chrono>
#include <string>

namespace oncegate {

// The times the gateway writes, all UTC, now.

// "2026-03-31T17:45:10.123Z": audit records.
std::string utcTimestamp();
// The same for a time that has passed (aggregated audit records name their interval).
std::string utcTimestamp(std::chrono::system_clock::time_point at);

// "2026-03-31T17:45:10Z": the control store's change times.
std::string utcTimestampSeconds();

// "20260331T174510Z": in file names (rotated audit files, benchmark reports).
std::string compactUtcTimestamp();

}  // namespace oncegate
