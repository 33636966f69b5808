#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace oncegate {

// Parses "250ms", "2s", "10m", "1h", "1d" (one number, one unit). nullopt when malformed.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// Parses "512", "64KiB", "1MiB", "2GiB" (and KB/MB/GB as powers of ten). nullopt when malformed.
std::optional<std::uint64_t> parseByteSize(std::string_view text);

}  // namespace oncegate
