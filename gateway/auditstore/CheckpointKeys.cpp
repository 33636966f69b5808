#include "gateway/auditstore/CheckpointKeys.h"

namespace oncegate {

AuditCheckpointKeys checkpointKeysOf(const JsonWebKeySet& keys) {
  AuditCheckpointKeys byId;
  for (const auto& key : keys.keys()) byId.emplace(key.id, key.publicKey);
  return byId;
}

}  // namespace oncegate
