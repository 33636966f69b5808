#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace oncegate {

// The outcome of checking an audit file's hash chain.
struct AuditChainReport {
  bool intact = false;
  std::size_t lines = 0;            // lines in the file
  std::size_t firstBrokenLine = 0;  // 1-based; 0 when intact
  std::string problem;              // what is wrong there, for an auditor; empty when intact
};

// Checks every line's "prev" against the SHA-256 of the line before it (64 zeros for the first).
// When a link is broken, the report names the line that was most likely altered: the line
// before the break when the line after it is still the one its successor recorded, otherwise
// the line at the break. Removing lines shows as a break at the line after the gap; changing
// the very last line cannot be detected from the file alone (keep its hash elsewhere).
AuditChainReport verifyAuditChain(const std::filesystem::path& path);

}  // namespace oncegate
