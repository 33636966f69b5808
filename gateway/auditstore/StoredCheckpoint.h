#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The latest checkpoint the central audit record holds for an instance. Lines cut from the end
// of a local trail leave no break in its chain, but this copy, kept outside the file, names a
// line the trail must still hold: `verify-audit --against-store` asks the trail's report
// whether it covers (records, head) (AuditChainReport::coverage).
struct StoredCheckpoint {
  std::int64_t seq = 0;       // the checkpoint line's position in the chain
  std::uint64_t records = 0;  // as the checkpoint says (its own line included)
  std::string head;
  std::string time;

  // The instance's latest checkpoint; nullopt when it has none. Throws what OdbcClient throws.
  static std::optional<StoredCheckpoint> latest(odbc::OdbcClient& client,
                                                const std::string& instance);
};

}  // namespace oncegate
