#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "GatewayConfigText.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using Topology = RedisEndpoint::Topology;

std::string withRedis(const std::string& redisLine) {
  return std::string(kHashKeyLine) + kCacheLine + redisLine;
}

TEST(GatewayConfigTest, RedisTakesUserAndPasswordInTheUrlOrBesideIt) {
  const auto inUrl = parse(std::string(kHashKeyLine) + kCacheLine +
                           "redis: redis://og:s%40cret@cache.internal:6380/3\n");
  EXPECT_EQ(inUrl.redis->username, "og");
  EXPECT_EQ(inUrl.redis->password, "s@cret");
  EXPECT_EQ(inUrl.redis->host, "cache.internal");
  EXPECT_EQ(inUrl.redis->port, 6380);
  EXPECT_EQ(inUrl.redis->database, 3);
  setenv("ONCEGATE_TEST_REDIS_PASSWORD", "p@ss:word/with#signs", 1);
  const auto beside = parse(std::string(kHashKeyLine) + kCacheLine +
                            "redis: { url: redis://127.0.0.1:6379/1, user: og, password: "
                            "\"${ONCEGATE_TEST_REDIS_PASSWORD}\" }\n");
  EXPECT_EQ(beside.redis->username, "og");
  EXPECT_EQ(beside.redis->password, "p@ss:word/with#signs");
  EXPECT_EQ(beside.redis->database, 1);
  const auto passwordOnly = parse(std::string(kHashKeyLine) + kCacheLine +
                                  "redis: { url: redis://127.0.0.1, password: only-a-password }\n");
  EXPECT_TRUE(passwordOnly.redis->username.empty());
  EXPECT_EQ(passwordOnly.redis->password, "only-a-password");
}

TEST(GatewayConfigTest, RejectsAnUnknownRedisKey) {
  const auto message = rejection(std::string(kHashKeyLine) + kCacheLine +
                                 "redis: { url: redis://127.0.0.1, pasword: x }\n");
  EXPECT_THAT(message, HasSubstr("unknown key 'pasword'"));
}

TEST(GatewayConfigTest, RejectsARedisUserWithoutPassword) {
  const auto message = rejection(std::string(kHashKeyLine) + kCacheLine +
                                 "redis: { url: redis://127.0.0.1, user: og }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("redis.user needs redis.password"));
}

TEST(GatewayConfigTest, RejectsRedisCredentialsGivenTwice) {
  const auto message =
      rejection(std::string(kHashKeyLine) + kCacheLine +
                "redis: { url: \"redis://og:first-secret@127.0.0.1\", password: second-secret }\n");
  EXPECT_THAT(message, HasSubstr("not both"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("first-secret")));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("second-secret")));
}

TEST(GatewayConfigTest, RejectsAMalformedRedisUrlWithoutQuotingIt) {
  for (const std::string& url : {std::string("http://og:hunter2-secret@127.0.0.1"),
                                 std::string("redis://og:hunter2-secret@127.0.0.1:notaport")}) {
    const auto message =
        rejection(std::string(kHashKeyLine) + kCacheLine + "redis: \"" + url + "\"\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:3: redis must be a redis://")) << url;
    EXPECT_THAT(message, ::testing::Not(HasSubstr("hunter2"))) << url;
  }
}

TEST(GatewayConfigTest, RedisUrlIsOneServer) {
  const auto config = parse(withRedis("redis: redis://127.0.0.1:6379\n"));
  EXPECT_EQ(config.redis->topology, Topology::Standalone);
  EXPECT_TRUE(config.redis->seeds.empty());
}

TEST(GatewayConfigTest, RedisSentinelNamesTheSentinelsAndTheMaster) {
  setenv("ONCEGATE_TEST_SENTINEL_PASSWORD", "sentinel-secret", 1);
  const auto config = parse(withRedis(
      "redis: { sentinel: [sentinel-a.internal:26379, \"[::1]:26380\"], master: oncegate,\n"
      "         user: og, password: data-secret,\n"
      "         sentinel_password: \"${ONCEGATE_TEST_SENTINEL_PASSWORD}\", database: 2 }\n"));
  const auto& redis = *config.redis;
  EXPECT_EQ(redis.topology, Topology::Sentinel);
  ASSERT_EQ(redis.seeds.size(), 2U);
  EXPECT_EQ(redis.seeds[0], (RedisAddress{"sentinel-a.internal", 26379}));
  EXPECT_EQ(redis.seeds[1], (RedisAddress{"::1", 26380}));
  EXPECT_EQ(redis.seeds[1].text(), "[::1]:26380");
  EXPECT_EQ(redis.masterName, "oncegate");
  EXPECT_EQ(redis.username, "og");
  EXPECT_EQ(redis.password, "data-secret");
  EXPECT_EQ(redis.sentinelPassword, "sentinel-secret");
  EXPECT_EQ(redis.database, 2);
  EXPECT_TRUE(redis.host.empty()) << "the master is discovered, not configured";
}

TEST(GatewayConfigTest, RedisClusterNamesItsSeedNodes) {
  const auto config = parse(
      withRedis("redis: { cluster: [cache-a:7000, cache-b:7000, cache-c:7000], password: p }\n"));
  const auto& redis = *config.redis;
  EXPECT_EQ(redis.topology, Topology::Cluster);
  ASSERT_EQ(redis.seeds.size(), 3U);
  EXPECT_EQ(redis.seeds[2], (RedisAddress{"cache-c", 7000}));
  EXPECT_EQ(redis.password, "p");
  EXPECT_EQ(redis.database, 0);
  EXPECT_TRUE(redis.host.empty());
}

TEST(GatewayConfigTest, RejectsRedisWithTwoTopologiesOrNone) {
  for (const std::string& line :
       {std::string("redis: { url: redis://127.0.0.1, cluster: [a:7000] }\n"),
        std::string("redis: { sentinel: [a:26379], master: m, cluster: [a:7000] }\n"),
        std::string("redis: { user: og, password: p }\n")}) {
    EXPECT_THAT(rejection(withRedis(line)),
                HasSubstr("gateway.yaml:3: redis needs exactly one of url, sentinel and cluster"))
        << line;
  }
}

TEST(GatewayConfigTest, RejectsASentinelSetupWithoutTheMastersName) {
  EXPECT_THAT(rejection(withRedis("redis: { sentinel: [a:26379] }\n")),
              HasSubstr("missing required key 'master'"));
}

TEST(GatewayConfigTest, RejectsARedisNodeThatIsNotHostAndPort) {
  for (const char* node : {"a", "a:", ":7000", "a:0", "a:65536", "::1:7000", "[::1]7000"}) {
    EXPECT_THAT(rejection(withRedis(std::string("redis: { cluster: [\"") + node + "\"] }\n")),
                HasSubstr("each of redis.cluster must be host:port"))
        << node;
  }
  EXPECT_THAT(rejection(withRedis("redis: { sentinel: [a:26379, b], master: m }\n")),
              HasSubstr("each of redis.sentinel must be host:port"));
}

TEST(GatewayConfigTest, RejectsAnEmptyOrRepeatedRedisNodeList) {
  EXPECT_THAT(rejection(withRedis("redis: { cluster: [] }\n")),
              HasSubstr("redis.cluster must list at least one host:port"));
  EXPECT_THAT(rejection(withRedis("redis: { sentinel: [a:26379, a:26379], master: m }\n")),
              HasSubstr("redis.sentinel lists a:26379 twice"));
}

TEST(GatewayConfigTest, RejectsKeysThatDoNotBelongToTheTopology) {
  // A cluster has only database 0; a master's name means nothing to a cluster.
  EXPECT_THAT(rejection(withRedis("redis: { cluster: [a:7000], database: 1 }\n")),
              HasSubstr("unknown key 'database'"));
  EXPECT_THAT(rejection(withRedis("redis: { cluster: [a:7000], master: m }\n")),
              HasSubstr("unknown key 'master'"));
  EXPECT_THAT(rejection(withRedis("redis: { sentinel: [a:26379], master: m, url: x }\n")),
              HasSubstr("exactly one of"));
}

TEST(GatewayConfigTest, RejectsASentinelUserWithoutPassword) {
  EXPECT_THAT(rejection(withRedis("redis: { sentinel: [a:26379], master: m, user: og }\n")),
              HasSubstr("redis.user needs redis.password"));
}

}  // namespace
}  // namespace oncegate
