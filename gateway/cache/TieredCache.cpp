#include "gateway/cache/TieredCache.h"

#include <algorithm>

namespace oncegate {

TieredCache::TieredCache(std::unique_ptr<DatasetCache> shared, std::size_t localEntries,
                         std::chrono::milliseconds localTtl)
    : shared_(std::move(shared)), local_(localEntries, CacheTier::Local), localTtl_(localTtl) {}

void TieredCache::lookup(const std::vector<std::string>& keys, LookupDone done) {
  std::vector<CacheAnswer> answers;
  local_.lookup(keys, [&answers](auto result) { answers = std::move(result); });  // inline
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!answers[i].hit()) missing.push_back(i);
  }
  if (missing.empty()) return done(std::move(answers));
  std::vector<std::string> missingKeys;
  missingKeys.reserve(missing.size());
  for (auto i : missing) missingKeys.push_back(keys[i]);
  shared_->lookup(missingKeys, [this, answers = std::move(answers), missing, missingKeys,
                                done = std::move(done)](auto fromShared) mutable {
    for (std::size_t k = 0; k < missing.size() && k < fromShared.size(); ++k) {
      auto& answer = answers[missing[k]];
      auto& shared = fromShared[k];
      // Missed locally and, unless the shared tier had it, there too.
      answer.missedTiers |= shared.missedTiers;
      if (!shared.hit()) continue;
      local_.store(missingKeys[k], *shared.bytes, localTtl_);
      answer.bytes = std::move(shared.bytes);
      answer.tier = shared.tier;
    }
    done(std::move(answers));
  });
}

void TieredCache::store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) {
  local_.store(key, bytes, std::min(ttl, localTtl_));
  shared_->store(key, std::move(bytes), ttl);
}

std::uint64_t TieredCache::eraseLocal(const std::string& key, bool wholeDataset) {
  return local_.erase(key, wholeDataset);
}

std::uint64_t TieredCache::erase(const std::string& key, bool wholeDataset) {
  // Shared first: a lookup between the two would otherwise refill the local tier from it.
  const auto removed = shared_->erase(key, wholeDataset);
  local_.erase(key, wholeDataset);
  return removed;
}

}  // namespace oncegate
