#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gateway/cache/CacheAnswer.h"

namespace oncegate {

// The cache of dataset rows, one entry per dataset row (or per known absence of a row), apart
// from how rows are encoded (CachedRow) and how keys are made (CacheKey).
//
// Threading contract: lookup() and store() are called on an HTTP I/O thread, and lookup's
// completion runs on that same thread (inline or later). A cache that fails (Redis down, slow)
// answers misses and never throws: a failing cache makes the gateway slower, not broken.
class DatasetCache {
 public:
  using LookupDone = std::function<void(std::vector<CacheAnswer>)>;

  virtual ~DatasetCache() = default;

  // One round trip for all keys. result[i] answers keys[i]: the bytes stored under it (or
  // nullopt), the tier that had them and the tiers that missed.
  virtual void lookup(const std::vector<std::string>& keys, LookupDone done) = 0;

  // Fire and forget; the entry expires after `ttl`.
  virtual void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) = 0;

  // An admin's invalidation: removes the entry under `key`, or with `wholeDataset` every entry
  // of the dataset `key` names (see CacheKey.h); returns how many were removed. Blocking (the
  // shared tier's round trips): call it from an admin worker, never from an I/O thread. Throws
  // CacheUnavailable when the shared tier cannot be reached, as the caller must know.
  virtual std::uint64_t erase(const std::string& key, bool wholeDataset) = 0;
};

}  // namespace oncegate
