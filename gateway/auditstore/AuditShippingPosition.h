#pragma once

#include <cstdint>
#include <string>

namespace oncegate {

// How far an instance's trail has been shipped (a row of oncegate_audit_shipping): the last
// shipped line's position in the chain and hash, and where it ends in its file, that file being
// named by the hash of its first line (file names change when the trail rotates; contents don't).
struct AuditShippingPosition {
  std::int64_t seq = 0;
  std::string lastSha256;
  std::uint64_t fileOffset = 0;
  std::string fileFirstSha256;

  friend bool operator==(const AuditShippingPosition&, const AuditShippingPosition&) = default;
};

}  // namespace oncegate
