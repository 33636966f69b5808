#include "gateway/cache/CacheKey.h"

#include "common/Digest.h"

namespace oncegate {

namespace {
// Bump when the key material or the row encoding changes, so that old entries are never read.
constexpr std::string_view kKeyPrefix = "og:1:";
constexpr std::size_t kHmacHexLength = 64;  // SHA-256
}  // namespace

std::string cacheKeyPrefix(std::string_view datasetId) {
  std::string prefix(kKeyPrefix);
  prefix.append(datasetId);
  prefix.push_back(':');
  return prefix;
}

bool isCacheKeyOf(std::string_view key, std::string_view prefix) {
  return key.size() == prefix.size() + kHmacHexLength && key.starts_with(prefix) &&
         key.find(':', prefix.size()) == std::string_view::npos;
}

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
  std::string key = cacheKeyPrefix(datasetId);
  key.append(hmacSha256Hex(hashKey, material));
  return key;
}

}  // namespace oncegate
