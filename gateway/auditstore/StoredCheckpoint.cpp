#include "gateway/auditstore/StoredCheckpoint.h"

#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"

namespace oncegate {

std::optional<StoredCheckpoint> StoredCheckpoint::latest(odbc::OdbcClient& client,
                                                         const std::string& instance) {
  const auto rows = client.query(
      "SELECT seq, records, head, time FROM oncegate_audit_checkpoints WHERE instance = ? ORDER "
      "BY seq DESC LIMIT 1",
      {Value::string(instance)});
  if (rows.empty()) return std::nullopt;
  const auto& v = rows.front().values;
  return StoredCheckpoint{v.at(0).asInt(), static_cast<std::uint64_t>(v.at(1).asInt()),
                          v.at(2).toString(), v.at(3).toString()};
}

}  // namespace oncegate
