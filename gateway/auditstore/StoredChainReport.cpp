#include "gateway/auditstore/StoredChainReport.h"

#include "common/Digest.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

// Rows per query: the walk holds one page at a time, whatever the trail's length.
constexpr std::int64_t kPage = 2000;

}  // namespace

StoredChainReport verifyStoredChain(odbc::OdbcClient& client, const std::string& instance) {
  StoredChainReport report;
  const auto broken = [&](std::int64_t seq, std::string problem) {
    report.intact = false;
    report.brokenSeq = seq;
    report.problem = std::move(problem);
    return report;
  };
  std::string previousHash;
  std::int64_t previousSeq = 0;
  while (true) {
    const auto rows = client.query(
        "SELECT seq, line, line_sha256, prev, event FROM oncegate_audit_records WHERE instance = "
        "? AND seq > ? ORDER BY seq LIMIT " +
            std::to_string(kPage),
        {Value::string(instance), Value::integer(previousSeq)});
    for (const auto& row : rows) {
      const auto seq = row.values.at(0).asInt();
      const auto line = row.values.at(1).toString();
      const auto stored = row.values.at(2).toString();
      const auto prev = row.values.at(3).toString();
      const auto event = row.values.at(4).toString();
      const auto where = "seq " + std::to_string(seq);
      if (report.lines == 0) {
        report.firstSeq = seq;
        if (seq == 1 && prev != AuditLine::kFirstPrev) {
          return broken(seq, where + " is the first line of the trail but does not start a chain");
        }
      } else if (seq != previousSeq + 1) {
        return broken(previousSeq + 1, "seq " + std::to_string(previousSeq + 1) + " to " +
                                           std::to_string(seq - 1) +
                                           " are missing: rows were removed from the store");
      }
      const auto hash = sha256Hex(line);
      if (hash != stored) {
        return broken(seq, where +
                               ": the line does not hash to its line_sha256: the row was "
                               "altered");
      }
      if (AuditLine::prevOf(line).value_or("") != prev) {
        return broken(seq, where +
                               ": the prev column is not the one the line carries: the row "
                               "was altered");
      }
      if (report.lines != 0 && prev != previousHash) {
        return broken(seq, where + ": its prev is not the hash of seq " +
                               std::to_string(previousSeq) + ": a row was altered or replaced");
      }
      if (event == "audit_checkpoint") {
        const auto checkpoint = client.query(
            "SELECT records, head FROM oncegate_audit_checkpoints WHERE instance = ? AND seq = ?",
            {Value::string(instance), Value::integer(seq)});
        if (checkpoint.empty()) {
          return broken(seq, where + ": a checkpoint line without its checkpoint row");
        }
        if (checkpoint[0].values.at(1).toString() != prev) {
          return broken(seq, where +
                                 ": the checkpoint's head is not the hash of the line before "
                                 "it");
        }
        if (checkpoint[0].values.at(0).asInt() != seq) {
          return broken(seq, where + ": the checkpoint counts " +
                                 std::to_string(checkpoint[0].values.at(0).asInt()) +
                                 " records, the chain " + std::to_string(seq));
        }
        ++report.checkpoints;
      }
      ++report.lines;
      previousHash = hash;
      previousSeq = seq;
    }
    if (static_cast<std::int64_t>(rows.size()) < kPage) break;
  }
  report.intact = true;
  return report;
}

}  // namespace oncegate
