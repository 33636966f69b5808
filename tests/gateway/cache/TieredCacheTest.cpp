#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/TieredCache.h"

namespace oncegate {
namespace {

// A shared tier that records what it is asked and answers inline from a map, as Redis would.
class RecordingCache : public DatasetCache {
 public:
  void lookup(const std::vector<std::string>& keys, LookupDone done) override {
    asked.push_back(keys);
    std::vector<CacheAnswer> out(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      out[i].tier = CacheTier::Redis;
      auto it = entries.find(keys[i]);
      if (it == entries.end()) {
        out[i].markMissedIn(CacheTier::Redis);
      } else {
        out[i].bytes = it->second;
      }
    }
    done(std::move(out));
  }
  void store(const std::string& key, std::string bytes, std::chrono::milliseconds ttl) override {
    entries[key] = std::move(bytes);
    ttls[key] = ttl;
  }

  std::uint64_t erase(const std::string& key, bool) override {
    erased.push_back(key);
    return entries.erase(key);
  }

  std::map<std::string, std::string> entries;
  std::map<std::string, std::chrono::milliseconds> ttls;
  std::vector<std::string> erased;
  std::vector<std::vector<std::string>> asked;
};

std::vector<CacheAnswer> answersOf(DatasetCache& cache, const std::vector<std::string>& keys) {
  std::vector<CacheAnswer> result;
  cache.lookup(keys, [&](auto found) { result = std::move(found); });
  return result;
}

std::vector<std::optional<std::string>> lookup(DatasetCache& cache,
                                               const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> bytes;
  for (auto& answer : answersOf(cache, keys)) bytes.push_back(std::move(answer.bytes));
  return bytes;
}

TEST(TieredCacheTest, AsksTheSharedTierOnlyForWhatTheLocalTierMisses) {
  auto shared = std::make_unique<RecordingCache>();
  auto& recorder = *shared;
  recorder.entries.emplace("b", "B");  // not entries["b"] = "B": a false GCC 12 -Wrestrict at -O3
  TieredCache cache(std::move(shared), 100, std::chrono::seconds(5));
  cache.store("a", "A", std::chrono::minutes(10));

  auto first = lookup(cache, {"a", "b", "c"});
  EXPECT_EQ(first[0], "A");
  EXPECT_EQ(first[1], "B");
  EXPECT_FALSE(first[2]);
  ASSERT_EQ(recorder.asked.size(), 1U);
  EXPECT_EQ(recorder.asked[0], (std::vector<std::string>{"b", "c"}));

  // "b" came from the shared tier and is now local too.
  auto second = lookup(cache, {"a", "b"});
  EXPECT_EQ(second[1], "B");
  EXPECT_EQ(recorder.asked.size(), 1U);
}

TEST(TieredCacheTest, EachAnswerSaysWhichTierHadItAndWhichMissed) {
  auto shared = std::make_unique<RecordingCache>();
  shared->entries["b"] = "B";
  TieredCache cache(std::move(shared), 100, std::chrono::seconds(5));
  cache.store("a", "A", std::chrono::minutes(10));

  const auto answers = answersOf(cache, {"a", "b", "c"});
  ASSERT_EQ(answers.size(), 3U);
  EXPECT_EQ(answers[0].bytes, "A");  // local hit: Redis was not asked
  EXPECT_EQ(answers[0].tier, CacheTier::Local);
  EXPECT_EQ(answers[0].missedTiers, 0U);
  EXPECT_EQ(answers[1].bytes, "B");  // missed locally, found in Redis
  EXPECT_EQ(answers[1].tier, CacheTier::Redis);
  EXPECT_TRUE(answers[1].missedIn(CacheTier::Local));
  EXPECT_FALSE(answers[1].missedIn(CacheTier::Redis));
  EXPECT_FALSE(answers[2].hit());  // missed in both
  EXPECT_TRUE(answers[2].missedIn(CacheTier::Local));
  EXPECT_TRUE(answers[2].missedIn(CacheTier::Redis));

  // "b" was copied to the local tier, which now answers it.
  const auto again = answersOf(cache, {"b"});
  EXPECT_EQ(again[0].tier, CacheTier::Local);
  EXPECT_EQ(again[0].missedTiers, 0U);
}

// Hits and misses counted from the answers, per tier, are what each tier's CacheStats say.
TEST(TieredCacheTest, AnswersAgreeWithEachTiersStats) {
  auto shared = std::make_unique<MemoryCache>(100);
  auto& sharedTier = *shared;
  TieredCache cache(std::move(shared), 100, std::chrono::seconds(5));
  sharedTier.store("s1", "S", std::chrono::minutes(1));
  sharedTier.store("s2", "S", std::chrono::minutes(1));
  cache.store("both", "B", std::chrono::minutes(1));

  std::map<CacheTier, std::uint64_t> hits;
  std::map<CacheTier, std::uint64_t> misses;
  for (const auto& keys : std::vector<std::vector<std::string>>{
           {"s1", "both", "none"}, {"s1", "s2", "none", "both"}, {"both"}}) {
    for (const auto& answer : answersOf(cache, keys)) {
      if (answer.hit()) ++hits[answer.tier];
      for (auto tier : {CacheTier::Local, CacheTier::Memory}) {
        if (answer.missedIn(tier)) ++misses[tier];
      }
    }
  }
  EXPECT_EQ(cache.localStats().hits, hits[CacheTier::Local]);
  EXPECT_EQ(cache.localStats().misses, misses[CacheTier::Local]);
  EXPECT_EQ(sharedTier.stats().hits, hits[CacheTier::Memory]);
  EXPECT_EQ(sharedTier.stats().misses, misses[CacheTier::Memory]);
  EXPECT_EQ(hits[CacheTier::Local], 4U);     // both x3, s1 the second time
  EXPECT_EQ(hits[CacheTier::Memory], 2U);    // s1 and s2, once each
  EXPECT_EQ(misses[CacheTier::Memory], 2U);  // none, twice
}

TEST(TieredCacheTest, StoresInBothTiersWithTheirOwnLifetimes) {
  auto shared = std::make_unique<RecordingCache>();
  auto& recorder = *shared;
  TieredCache cache(std::move(shared), 100, std::chrono::milliseconds(1));
  cache.store("k", "V", std::chrono::minutes(10));
  EXPECT_EQ(recorder.entries["k"], "V");
  EXPECT_EQ(recorder.ttls["k"], std::chrono::minutes(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // The local copy has expired (local TTL 1ms): the shared tier answers.
  EXPECT_EQ(lookup(cache, {"k"})[0], "V");
  EXPECT_EQ(recorder.asked.size(), 1U);
}

TEST(TieredCacheTest, EraseEmptiesBothTiers) {
  auto shared = std::make_unique<RecordingCache>();
  auto& recorder = *shared;
  TieredCache cache(std::move(shared), 100, std::chrono::seconds(5));
  cache.store("a", "A", std::chrono::minutes(10));
  EXPECT_EQ(cache.erase("a", false), 1u);
  EXPECT_EQ(recorder.erased, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(lookup(cache, {"a"})[0].has_value());  // the local copy went too
}

}  // namespace
}  // namespace oncegate
