#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/Value.h"

namespace oncegate {

// The cache key of one dataset row: "og:1:<datasetId>:<hmac hex>". The HMAC (keyed with
// `hashKey`, a deployment secret) covers the dataset's fingerprint and the query parameters, so
// a subject identifier never appears in a key in clear and cannot be recovered by hashing
// guesses without the secret. Editing a dataset's query changes its fingerprint, which makes
// its old entries unreachable. The dataset id stays readable so that a whole dataset can be
// invalidated by prefix.
std::string makeCacheKey(std::string_view datasetId, std::string_view datasetFingerprint,
                         const std::vector<Value>& params, std::string_view hashKey);

// What every key of one dataset starts with: "og:1:<datasetId>:".
std::string cacheKeyPrefix(std::string_view datasetId);

// Whether `key` is a key of the dataset whose prefix is `prefix`. More than starts_with: ids may
// hold ':', and the keys of dataset "a:b" start with the prefix of dataset "a" too.
bool isCacheKeyOf(std::string_view key, std::string_view prefix);

}  // namespace oncegate
