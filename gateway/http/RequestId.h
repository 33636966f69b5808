#pragma once

#include <string>

namespace oncegate {

// A new request id: 16 random hex digits, from a per-thread generator (no lock on the hot path).
std::string newRequestId();

}  // namespace oncegate
