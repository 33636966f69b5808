#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "gateway/cache/CacheInvalidation.h"
#include "gateway/cache/DatasetCache.h"

namespace oncegate {
namespace {

TEST(CacheInvalidationTest, TheChannelIsNamedAfterTheHashKeyWithoutShowingIt) {
  const std::string key = "a-deployment-secret-of-32-characters!";
  const auto channel = CacheInvalidation::channelFor(key);
  EXPECT_EQ(channel.rfind("oncegate:cache:", 0), 0u);
  EXPECT_EQ(channel.size(), std::string("oncegate:cache:").size() + 16);
  EXPECT_EQ(channel.find("secret"), std::string::npos);
  EXPECT_EQ(CacheInvalidation::channelFor(key), channel);
  EXPECT_NE(CacheInvalidation::channelFor(key + "x"), channel);
}

TEST(CacheInvalidationTest, MessagesSayWhetherAWholeDatasetGoes) {
  const auto whole = CacheInvalidation::parseMessage(CacheInvalidation::message("og:1:hr:", true));
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->first, "og:1:hr:");
  EXPECT_TRUE(whole->second);
  const auto one = CacheInvalidation::parseMessage(CacheInvalidation::message("og:1:hr:ab", false));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->first, "og:1:hr:ab");
  EXPECT_FALSE(one->second);
  for (const char* bad : {"", "d ", "k", "x og:1:hr:", "12"}) {
    EXPECT_FALSE(CacheInvalidation::parseMessage(bad)) << bad;
  }
}

// A cache that records what it was asked to erase.
class ErasingCache : public DatasetCache {
 public:
  void lookup(const std::vector<std::string>&, LookupDone done) override { done({}); }
  void store(const std::string&, std::string, std::chrono::milliseconds) override {}
  std::uint64_t erase(const std::string& key, bool wholeDataset) override {
    erased.emplace_back(key, wholeDataset);
    return 3;
  }
  std::vector<std::pair<std::string, bool>> erased;
};

TEST(CacheInvalidationTest, WithoutAChannelOnlyThisInstancesCacheIsEmptied) {
  ErasingCache cache;
  int localErases = 0;
  CacheInvalidation invalidation(
      cache, [&](const std::string&, bool) { ++localErases; }, nullptr);
  invalidation.start();
  EXPECT_EQ(invalidation.erase("og:1:tax:", true), 3u);
  ASSERT_EQ(cache.erased.size(), 1u);
  EXPECT_EQ(cache.erased[0], std::pair(std::string("og:1:tax:"), true));
  EXPECT_EQ(localErases, 0);  // the cache's own erase covered this instance's tiers
}

}  // namespace
}  // namespace oncegate
