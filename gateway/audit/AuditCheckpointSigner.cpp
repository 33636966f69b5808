#include "gateway/audit/AuditCheckpointSigner.h"

#include "common/Base64Url.h"

namespace oncegate {

AuditCheckpoint AuditCheckpointSigner::sign(std::string head, std::uint64_t records,
                                            std::string time) const {
  AuditCheckpoint checkpoint;
  checkpoint.signature =
      base64UrlEncode(key.sign(AuditCheckpoint::signingInput(head, records, time)));
  checkpoint.time = std::move(time);
  checkpoint.records = records;
  checkpoint.head = std::move(head);
  checkpoint.kid = keyId;
  return checkpoint;
}

}  // namespace oncegate
