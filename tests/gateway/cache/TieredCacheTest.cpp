#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "gateway/cache/TieredCache.h"

namespace oncegate {
namespace {

// A shared tier that records what it is asked and answers inline from a map.
class RecordingCache : public DatasetCache {
 public:
  void lookup(const std::vector<std::string>& keys, LookupDone done) override {
    asked.push_back(keys);
    std::vector<std::optional<std::string>> out;
    for (const auto& key : keys) {
      auto it = entries.find(key);
      out.push_back(it == entries.end() ? std::nullopt : std::optional(it->second));
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

std::vector<std::optional<std::string>> lookup(DatasetCache& cache, std::vector<std::string> keys) {
  std::vector<std::optional<std::string>> result;
  cache.lookup(keys, [&](auto found) { result = std::move(found); });
  return result;
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
