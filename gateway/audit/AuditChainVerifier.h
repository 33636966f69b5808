#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Ed25519PublicKey.h"
#include "gateway/audit/AuditCheckpoint.h"

namespace oncegate {

// The public keys checkpoints are verified with, by key id ("kid"): the JWKS of GET /v1/keys.
using AuditCheckpointKeys = std::map<std::string, Ed25519PublicKey, std::less<>>;

// The outcome of checking an audit file's hash chain.
struct AuditChainReport {
  // A line left by a write a crash cut short, skipped because the line after it chains to the
  // last whole line.
  struct TornLine {
    std::string file;
    std::size_t line = 0;  // 1-based, in its file
  };
  // A checkpoint whose head and count hold (and, with keys, whose signature verifies).
  struct Checkpoint {
    std::string file;
    std::size_t line = 0;       // 1-based, in its file
    std::uint64_t records = 0;  // lines in the chain up to and including the checkpoint
    std::string head;
    std::string time;
    std::string kid;
  };
  // What the trail says of a checkpoint kept elsewhere (the central store's latest).
  enum class Coverage {
    Covered,    // the trail holds that checkpoint
    Truncated,  // the trail ends before it: lines were cut off its end
    Differs,    // the trail holds another line there: it was rewritten
    NotGiven,   // it lies before the first file given (a rotated file left out)
  };

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

  std::vector<TornLine> tornLines;
  // Lines in the chain before the first line checked (a file started by rotation states them)
  // and up to the end of the last one: torn lines are not in the chain.
  std::uint64_t firstRecord = 0;
  std::uint64_t records = 0;
  std::vector<Checkpoint> checkpoints;  // in order; the last one is the latest
  bool signaturesChecked = false;       // false: heads and counts only (no keys were given)

  // Lines after the last checkpoint (all of them without one): nothing signed vouches that the
  // trail did not end later than that, so they could be cut off unseen but for a copy elsewhere.
  std::uint64_t unprotectedLines() const;
  // Compares a checkpoint kept elsewhere, (atRecords, head), with the trail checked. Meaningful
  // only for an intact report.
  Coverage coverage(std::uint64_t atRecords, std::string_view head) const;
  bool covers(std::uint64_t atRecords, std::string_view head) const {
    return coverage(atRecords, head) == Coverage::Covered;
  }
};

// Why `checkpoint`'s signature does not verify with the key its "kid" names among `keys`, as
// the end of a sentence about its line ("signed with key 'k', which is not among the keys
// given..."); empty when it verifies.
std::string checkpointSignatureProblem(const AuditCheckpoint& checkpoint,
                                       const AuditCheckpointKeys& keys);

// Checks every line's "prev" against the SHA-256 of the line before it (64 zeros for the first).
// When a link is broken, the report names the line that was most likely altered: the line
// before the break when the line after it is still the one its successor recorded, otherwise
// the line at the break. Removing lines shows as a break at the line after the gap; cutting
// lines off the end shows only against a checkpoint kept elsewhere (Coverage).
// A file started by rotation may begin with a link to another file: a rotation record naming the
// file it continues; any other first line must start the chain.
// A line that does not end with a "prev" (a write torn by a crash) is skipped and reported when
// the next line chains to the last whole line before it (or when nothing follows it); otherwise
// it is a break.
// Each checkpoint line must name its own prev as "head" and the count of lines so far as
// "records"; with `keys` its signature must verify with the key its "kid" names. A checkpoint
// that fails is a break at its line.
AuditChainReport verifyAuditChain(const std::filesystem::path& path,
                                  const AuditCheckpointKeys* keys = nullptr);

// Files in the order they were written (rotated ones first, oldest first): each is checked as
// above, and each after the first must continue the one before it (its rotation record names
// that file, its prev is the hash of that file's last line, and the count it states follows
// on).
AuditChainReport verifyAuditFiles(const std::vector<std::filesystem::path>& files,
                                  const AuditCheckpointKeys* keys = nullptr);

}  // namespace oncegate
