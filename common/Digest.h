#pragma once

#include <string>
#include <string_view>

namespace oncegate {

// Hashes and MACs used for API keys, admin tokens, cache keys, masks and the audit chain.
// All results are lower-case hex. Backed by OpenSSL.
std::string sha256Hex(std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);

// Compares without an early exit, so the time taken does not reveal where two secrets differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace oncegate
