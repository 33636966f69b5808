#pragma once

#include <cstdint>

namespace oncegate::testing {

// A loopback TCP port nothing listens on (bound by the kernel's choice, then released): where
// tests point a client to meet a server that is down.
std::uint16_t unusedLoopbackPort();

}  // namespace oncegate::testing
