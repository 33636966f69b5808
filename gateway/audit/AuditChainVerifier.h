#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace oncegate {

// The outcome of checking an audit file's hash chain.
struct AuditChainReport {
  bool intact = false;
  std::size_t lines = 0;            // lines in the file
  std::size_t firstBrokenLine = 0;  // 1-based; 0 when intact
  std::string problem;              // what is wrong there, for an auditor; empty when intact
  // The file the (first) file continues, named by the rotation record on its first line; empty
  // when it starts the chain. That link is checked only when the file it names is given too.
  std::string continues;
  std::string file;       // the file the first break is in (verifyAuditFiles)
  std::string firstPrev;  // the prev the first line carries
  std::string lastHash;   // SHA-256 of the last line, which a rotated successor's first line names
};

// Checks every line's "prev" against the SHA-256 of the line before it (64 zeros for the first).
// When a link is broken, the report names the line that was most likely altered: the line
// before the break when the line after it is still the one its successor recorded, otherwise
// the line at the break. Removing lines shows as a break at the line after the gap; changing
// the very last line cannot be detected from the file alone (keep its hash elsewhere).
// A file started by rotation may begin with a link to another file: a rotation record naming the
// file it continues; any other first line must start the chain.
AuditChainReport verifyAuditChain(const std::filesystem::path& path);

// Files in the order they were written (rotated ones first, oldest first): each is checked as
// above, and each after the first must continue the one before it (its rotation record names
// that file, and its prev is the hash of that file's last line).
AuditChainReport verifyAuditFiles(const std::vector<std::filesystem::path>& files);

}  // namespace oncegate
