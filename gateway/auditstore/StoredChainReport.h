#pragma once

#include <cstdint>
#include <string>

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The outcome of checking one instance's chain in the central audit record alone
// (verifyStoredChain).
struct StoredChainReport {
  bool intact = false;
  std::int64_t lines = 0;
  std::int64_t firstSeq = 0;     // 1 unless the start of the trail was never shipped
  std::int64_t brokenSeq = 0;    // the first row found wrong; 0 when intact
  std::string problem;           // what is wrong there; empty when intact
  std::int64_t checkpoints = 0;  // checkpoint rows whose head and count match the chain
};

// Walks `instance`'s rows of oncegate_audit_records by seq: the seqs follow each other, each
// row's line_sha256 is the SHA-256 of its line, its prev is the one its line carries and the
// hash of the row before (64 zeros before seq 1), across rotation records as in the file. Each
// checkpoint row's head must be its line's prev and its records its seq. Signatures are not
// checked here. Throws what OdbcClient throws.
StoredChainReport verifyStoredChain(odbc::OdbcClient& client, const std::string& instance);

}  // namespace oncegate
