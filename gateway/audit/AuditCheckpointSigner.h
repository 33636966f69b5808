#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Ed25519PrivateKey.h"
#include "gateway/audit/AuditCheckpoint.h"

namespace oncegate {

// The key FileAuditLog signs its checkpoints with: the current key of `signing:` (the first of
// signing.keys) and its id, which the checkpoint names as "kid" so that a verifier picks the
// matching public key (the JWKS of GET /v1/keys).
struct AuditCheckpointSigner {
  std::string keyId;
  Ed25519PrivateKey key;

  AuditCheckpoint sign(std::string head, std::uint64_t records, std::string time) const;
};

}  // namespace oncegate
