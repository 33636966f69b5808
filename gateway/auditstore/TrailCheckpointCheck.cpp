#include "gateway/auditstore/TrailCheckpointCheck.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/Digest.h"
#include "common/Error.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

std::optional<TrailCheckpointCheck> TrailCheckpointCheck::latest(odbc::OdbcClient& client,
                                                                 const std::string& instance) {
  const auto rows = client.query(
      "SELECT c.seq, c.records, c.head, c.time, r.line_sha256 FROM oncegate_audit_checkpoints c "
      "JOIN oncegate_audit_records r ON r.instance = c.instance AND r.seq = c.seq WHERE "
      "c.instance = ? ORDER BY c.seq DESC LIMIT 1",
      {Value::string(instance)});
  if (rows.empty()) return std::nullopt;
  const auto& v = rows.front().values;
  return TrailCheckpointCheck{v.at(0).asInt(), v.at(1).asInt(), v.at(2).toString(),
                              v.at(3).toString(), v.at(4).toString()};
}

std::optional<std::string> TrailCheckpointCheck::missingFrom(
    const std::vector<std::filesystem::path>& files) const {
  std::int64_t position = 0;
  bool startsChain = false;
  bool first = true;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw Error(ErrorCode::Internal, "cannot read " + file.string(),
                  file.string() + ": " + std::strerror(errno));
    }
    for (std::string line; std::getline(in, line);) {
      if (in.eof()) break;  // no newline: a line still being written, or torn
      const auto prev = AuditLine::prevOf(line);
      if (!prev) continue;  // torn by a crash: not part of the chain
      if (first) startsChain = *prev == AuditLine::kFirstPrev;
      first = false;
      ++position;
      if (sha256Hex(line) != lineSha256) continue;
      if (startsChain && position != seq) {
        return "the checkpoint of " + time + " is line " + std::to_string(position) +
               " of these files but line " + std::to_string(seq) +
               " in the store: lines were removed before it";
      }
      return std::nullopt;
    }
  }
  return "the trail ends before the latest checkpoint kept in the store (" + time + ", " +
         std::to_string(records) + " records, head " + head + "): lines were removed from its " +
         "end, or the files given do not reach it (" + std::to_string(position) +
         " chained lines read)";
}

}  // namespace oncegate
