#pragma once

#include <string>

namespace oncegate {

// Now as "2026-03-31T17:45:10.123Z", the time format of audit records.
std::string utcTimestamp();

}  // namespace oncegate
