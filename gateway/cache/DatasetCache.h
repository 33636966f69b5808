#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace oncegate {

// The cache of dataset rows, one entry per dataset row (or per known absence of a row), apart
// from how rows are encoded (CachedRow) and how keys are made (CacheKey).
//
// Threading contract: lookup() and store() are called on an HTTP I/O thread, and lookup's
// completion runs on that same thread (inline or later). A cache that fails (Redis down, slow)
// answers misses and never throws: a failing cache makes the gateway slower, not broken.
class DatasetCache {
 public:
  using LookupDone = std::function<void(std::vector<std::optional<std::string>>)>;

  virtual ~DatasetCache() = default;

  // One round trip for all keys. result[i] holds the bytes stored under keys[i], or nullopt.
  virtual void lookup(const std::vector<std::string>& keys, LookupDone done) = 0;

  // Fire and forget; the entry expires after `ttl`.
  virtual void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) = 0;
};

}  // namespace oncegate
