#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace oncegate {

// Where the chain of a trail file stands, which FileAuditLog learns when it opens the file: the
// line the next one chains to and how many lines the chain holds. Read backwards from the end as
// far as the last line that states the count (a checkpoint, or the rotation record that starts
// the file), so that opening a large trail written with checkpoints reads only its tail; without
// one the whole file is read.
// A line is in the chain when it ends the way AuditLine::chain ends lines; the rest (the bytes of
// a write torn by a crash, a blank line) are skipped, as the verifier skips a torn line.
struct AuditChainTail {
  std::string lastHash;               // SHA-256 hex of the last line in the chain; empty: none
  std::uint64_t records = 0;          // lines in the chain up to and including that line
  std::uint64_t sinceCheckpoint = 0;  // lines in the chain after the last checkpoint
  bool missingNewline = false;        // the file does not end with '\n'
  bool endsTorn = false;              // ... and its last bytes are not a whole line

  // Reads the file behind `fd` (`size` bytes). A read error ends the reading early: what was
  // read stands (the verifier will tell whether the chain holds).
  static AuditChainTail read(int fd, off_t size);
};

}  // namespace oncegate
