#pragma once

#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate {

// The keys that verify the trail's checkpoints, by kid: the signing keys, published (GET
// /v1/keys, a saved JWKS) or configured (signing: in gateway.yaml). The audit library knows no
// JWKS, and the signing library no trail, so they meet here.
AuditCheckpointKeys checkpointKeysOf(const JsonWebKeySet& keys);

}  // namespace oncegate
