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

}  // namespace oncegate
