#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The latest checkpoint the central audit record holds for an instance, and whether a local
// trail still reaches it: lines cut from the end of a trail leave no break in its chain, but the
// checkpoint kept outside the file names a line the trail must still hold.
struct TrailCheckpointCheck {
  std::int64_t seq = 0;      // the checkpoint line's position in the chain
  std::int64_t records = 0;  // as the checkpoint says
  std::string head;
  std::string time;
  std::string lineSha256;  // of the checkpoint line itself

  // The instance's latest checkpoint; nullopt when it has none. Throws what OdbcClient throws.
  static std::optional<TrailCheckpointCheck> latest(odbc::OdbcClient& client,
                                                    const std::string& instance);

  // Nullopt when `files` (oldest first) hold the checkpoint line (its hash) and, when they start
  // the chain, at its position; otherwise what is missing, for an auditor. Lines torn by a crash
  // are not counted, as in the chain. Throws Error(Internal) when a file cannot be read.
  std::optional<std::string> missingFrom(const std::vector<std::filesystem::path>& files) const;
};

}  // namespace oncegate
