#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "gateway/cache/CacheKey.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/RowCodec.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Values = std::vector<std::optional<std::string>>;

// MemoryCache completes inline, so the result is there when lookup returns.
Values lookupNow(MemoryCache& cache, const std::vector<std::string>& keys) {
  Values out;
  bool called = false;
  cache.lookup(keys, [&](std::vector<CacheAnswer> answers) {
    for (auto& answer : answers) out.push_back(std::move(answer.bytes));
    called = true;
  });
  EXPECT_TRUE(called) << "lookup did not complete inline";
  return out;
}

bool holds(MemoryCache& cache, const std::string& key) {
  return lookupNow(cache, {key})[0].has_value();
}

// Finds keys that land in the same shard as `first`, observed through a cache that holds one
// entry per shard: storing a same-shard key evicts `first`.
std::vector<std::string> keysSharingAShardWith(const std::string& first, std::size_t wanted) {
  std::vector<std::string> found;
  for (int i = 0; found.size() < wanted && i < 10000; ++i) {
    const std::string candidate = "probe-" + std::to_string(i);
    MemoryCache probe(1);
    probe.store(first, "x", 1h);
    probe.store(candidate, "x", 1h);
    if (!holds(probe, first)) found.push_back(candidate);
  }
  return found;
}

TEST(MemoryCacheTest, StoredBytesComeBackInKeyOrder) {
  MemoryCache cache;
  cache.store("a", std::string("bytes\0with nul", 14), 1min);
  cache.store("b", "张三", 1min);
  const auto values = lookupNow(cache, {"b", "missing", "a"});
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], "张三");
  EXPECT_FALSE(values[1].has_value());
  EXPECT_EQ(values[2], std::string("bytes\0with nul", 14));
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

// An encoded row is kept decoded: its hits lend the one decoded row (no bytes, no decoding),
// also for a cached "no row", and a replaced entry does not change a row already handed out.
TEST(MemoryCacheTest, EncodedRowsAreAnsweredDecodedAndShared) {
  MemoryCache cache;
  const Row row{{"name", "grade"}, {Value::string("王芳"), Value::integer(7)}};
  cache.store("found", encodeCachedRow(row), 1h);
  cache.store("absent", encodeCachedRow(std::nullopt), 1h);
  std::vector<CacheAnswer> first;
  std::vector<CacheAnswer> second;
  cache.lookup({"found", "absent"}, [&](auto answers) { first = std::move(answers); });
  cache.lookup({"found"}, [&](auto answers) { second = std::move(answers); });
  ASSERT_EQ(first.size(), 2U);
  ASSERT_TRUE(first[0].hit());
  EXPECT_FALSE(first[0].bytes);
  ASSERT_TRUE(first[0].row && *first[0].row);
  EXPECT_EQ(**first[0].row, row);
  EXPECT_EQ(second[0].row, first[0].row);  // the same decoded row, not a copy
  ASSERT_TRUE(first[1].hit() && first[1].row);
  EXPECT_FALSE(*first[1].row);  // a cached "no row"

  cache.store("found", encodeCachedRow(std::nullopt), 1h);
  EXPECT_EQ(**first[0].row, row);
}

TEST(MemoryCacheTest, AnswersNameTheTierThatHitOrMissed) {
  MemoryCache memory;
  MemoryCache local(100, CacheTier::Local);
  for (MemoryCache* cache : {&memory, &local}) {
    const CacheTier tier = cache == &memory ? CacheTier::Memory : CacheTier::Local;
    cache->store("a", "A", 1min);
    std::vector<CacheAnswer> answers;
    cache->lookup({"a", "missing"}, [&](auto result) { answers = std::move(result); });
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].bytes, "A");
    EXPECT_EQ(answers[0].tier, tier);
    EXPECT_EQ(answers[0].missedTiers, 0u);
    EXPECT_FALSE(answers[1].hit());
    EXPECT_TRUE(answers[1].missedIn(tier));
    EXPECT_FALSE(answers[1].missedIn(CacheTier::Redis));
  }
}

TEST(MemoryCacheTest, StoreReplacesAnEntry) {
  MemoryCache cache;
  cache.store("a", "old", 1min);
  cache.store("a", "new", 1min);
  EXPECT_EQ(lookupNow(cache, {"a"})[0], "new");
  EXPECT_EQ(cache.size(), 1u);
}

// Keys are hashed by their last sixteen characters (an HMAC's hex in real keys): keys that
// share them share a bucket and shard, and are still told apart.
TEST(MemoryCacheTest, KeysSharingTheirLastSixteenCharactersStayApart) {
  MemoryCache cache;
  const std::string tail = "0123456789abcdef";
  cache.store("og:1:a:" + tail, "a", 1min);
  cache.store("og:1:b:" + tail, "b", 1min);
  cache.store(tail, "tail alone", 1min);
  const auto values =
      lookupNow(cache, {"og:1:b:" + tail, "og:1:a:" + tail, tail, "og:1:c:" + tail});
  EXPECT_EQ(values, (Values{"b", "a", "tail alone", std::nullopt}));
  EXPECT_EQ(cache.size(), 3u);
}

// Entries live in an open-addressing table: removing one moves those probed past it back, and a
// table grows as entries come. Every entry not removed stays findable, among them long runs of
// keys with one hash (sharing their last sixteen characters) and keys of every length.
TEST(MemoryCacheTest, RemovingEntriesLeavesEveryOtherOneFindable) {
  MemoryCache cache(1'000'000);
  const std::string tail = "fedcba9876543210";
  std::vector<std::string> keys;
  for (int i = 0; i < 600; ++i) {
    keys.push_back(i % 2 == 0 ? "og:1:d" + std::to_string(i) + ":" + tail : std::to_string(i));
  }
  for (const auto& key : keys) cache.store(key, "value of " + key, 1h);
  EXPECT_EQ(cache.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); i += 3) EXPECT_EQ(cache.erase(keys[i], false), 1u);
  EXPECT_EQ(cache.erase(keys[0], false), 0u);
  const auto values = lookupNow(cache, keys);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i % 3 == 0) {
      EXPECT_FALSE(values[i].has_value()) << keys[i];
    } else {
      EXPECT_EQ(values[i], "value of " + keys[i]);
    }
  }
  EXPECT_EQ(cache.size(), keys.size() - 200);
}

TEST(MemoryCacheTest, EntriesExpireAfterTheirTtl) {
  MemoryCache cache;
  cache.store("short", "x", 30ms);
  cache.store("long", "y", 1min);
  EXPECT_TRUE(holds(cache, "short"));
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(holds(cache, "short"));
  EXPECT_TRUE(holds(cache, "long"));
  EXPECT_EQ(cache.size(), 1u) << "an expired entry should be removed when read";
}

TEST(MemoryCacheTest, NonPositiveTtlStoresNothing) {
  MemoryCache cache;
  cache.store("a", "x", 0ms);
  cache.store("b", "x", -5ms);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(MemoryCacheTest, EntryCountIsBounded) {
  MemoryCache cache(64);
  for (int i = 0; i < 2000; ++i) {
    // Appended, not "k" + std::to_string(i): GCC 12 at -O3 reports a false -Wrestrict on that.
    std::string key = "k";
    key += std::to_string(i);
    cache.store(key, "v", 1min);
    ASSERT_TRUE(holds(cache, key)) << "the entry just stored must be there";
  }
  EXPECT_LE(cache.size(), 64u);
  EXPECT_GE(cache.size(), 16u);
}

TEST(MemoryCacheTest, AFullShardDropsExpiredEntriesFirst) {
  const auto sameShard = keysSharingAShardWith("first", 2);
  ASSERT_EQ(sameShard.size(), 2u);
  // Two entries per shard: "first" expires, the live one must survive the third store.
  MemoryCache cache(2 * 16);
  cache.store("first", "x", 20ms);
  cache.store(sameShard[0], "live", 1h);
  std::this_thread::sleep_for(50ms);
  cache.store(sameShard[1], "new", 1h);
  EXPECT_TRUE(holds(cache, sameShard[0]));
  EXPECT_TRUE(holds(cache, sameShard[1]));
  EXPECT_FALSE(holds(cache, "first"));
}

TEST(MemoryCacheTest, AFullShardWithoutExpiredEntriesDropsOne) {
  const auto sameShard = keysSharingAShardWith("first", 2);
  ASSERT_EQ(sameShard.size(), 2u);
  MemoryCache cache(2 * 16);
  cache.store("first", "x", 1h);
  cache.store(sameShard[0], "x", 1h);
  cache.store(sameShard[1], "x", 1h);
  EXPECT_TRUE(holds(cache, sameShard[1]));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(MemoryCacheTest, ConcurrentUseFromManyThreads) {
  MemoryCache cache(1000);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = "t";
        key += std::to_string(t);
        key += '-';
        key += std::to_string(i % 100);
        cache.store(key, key, 1min);
        cache.lookup({key}, [&](std::vector<CacheAnswer> answers) {
          if (answers[0].bytes && *answers[0].bytes != key) ++wrong;
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 1000u);
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 8000u);
}

TEST(MemoryCacheTest, EraseRemovesOneEntryOrEveryEntryOfOneDataset) {
  MemoryCache cache;
  const auto key = [](std::string_view dataset, int i) {
    return makeCacheKey(dataset, "f", {Value::integer(i)}, "secret");
  };
  for (int i = 0; i < 50; ++i) cache.store(key("hr.person", i), "row", std::chrono::minutes(1));
  cache.store(key("hr.person:old", 1), "row", std::chrono::minutes(1));
  cache.store(key("tax", 1), "row", std::chrono::minutes(1));

  EXPECT_EQ(cache.erase(key("hr.person", 3), false), 1u);
  EXPECT_EQ(cache.erase(key("hr.person", 3), false), 0u);
  EXPECT_EQ(cache.erase(cacheKeyPrefix("hr.person"), true), 49u);
  EXPECT_EQ(cache.size(), 2u);  // the neighbour whose id starts alike, and the other dataset
}

}  // namespace
}  // namespace oncegate
