#include "gateway/auditstore/SubjectIndexKey.h"

#include "common/Digest.h"

namespace oncegate {

std::string subjectIndexHash(std::string_view hashKey, std::string_view type,
                             std::string_view keyValue) {
  const auto subkey = hmacSha256Hex(hashKey, "oncegate audit subject index v1");
  std::string message;
  message.reserve(type.size() + 1 + keyValue.size());
  message.append(type).append("\n").append(keyValue);
  return hmacSha256Hex(subkey, message);
}

}  // namespace oncegate
