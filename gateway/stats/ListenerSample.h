#pragma once

#include <cstdint>

namespace oncegate {

// The HTTP listener as a scrape shows it: its load and what it shed, filled when /metrics is asked.
struct ListenerSample {
  std::uint64_t connections = 0;
  std::uint64_t inFlight = 0;
  std::uint64_t connectionsRefused = 0;  // past limits.max_connections
  std::uint64_t requestsShed = 0;        // past limits.max_in_flight
  std::uint64_t acceptErrors = 0;
};

}  // namespace oncegate
