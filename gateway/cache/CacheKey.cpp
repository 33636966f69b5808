#include "gateway/cache/CacheKey.h"

#include "common/Digest.h"

namespace oncegate {

namespace {
// Bump when the key material or the row encoding changes, so that old entries are never read.
constexpr std::string_view kKeyPrefix = "og:1:";
}  // namespace

std::string makeCacheKey(std::string_view datasetId, std::string_view datasetFingerprint,
                         const std::vector<Value>& params, std::string_view hashKey) {
  // Each parameter is written as kind, length, text: with the length prefix no choice of text
  // can make two different parameter lists produce the same material (["a:b"] vs ["a","b"]),
  // and the kind keeps null apart from "" and 1 apart from "1".
  std::string material(datasetFingerprint);
  material.push_back('\0');
  for (const auto& param : params) {
    const std::string text = param.toString();
    material.append(valueKindName(param.kind()));
    material.push_back(':');
    material.append(std::to_string(text.size()));
    material.push_back(':');
    material.append(text);
  }
  std::string key(kKeyPrefix);
  key.append(datasetId);
  key.push_back(':');
  key.append(hmacSha256Hex(hashKey, material));
  return key;
}

}  // namespace oncegate
