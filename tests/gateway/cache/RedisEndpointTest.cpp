#include <gtest/gtest.h>

#include "gateway/cache/RedisEndpoint.h"

namespace oncegate {
namespace {

TEST(RedisEndpointTest, HostAndPort) {
  const auto endpoint = RedisEndpoint::parse("redis://127.0.0.1:16379");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 16379);
  EXPECT_EQ(endpoint->database, 0);
  EXPECT_TRUE(endpoint->password.empty());
  EXPECT_TRUE(endpoint->username.empty());
}

TEST(RedisEndpointTest, PortDefaultsTo6379) {
  const auto endpoint = RedisEndpoint::parse("redis://cache.internal");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "cache.internal");
  EXPECT_EQ(endpoint->port, RedisEndpoint::kDefaultPort);
}

TEST(RedisEndpointTest, PasswordAndDatabase) {
  const auto endpoint = RedisEndpoint::parse("redis://:s3cret@10.0.0.5:6380/3");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->password, "s3cret");
  EXPECT_TRUE(endpoint->username.empty());
  EXPECT_EQ(endpoint->host, "10.0.0.5");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->database, 3);
}

TEST(RedisEndpointTest, UserPasswordAndPercentEncoding) {
  const auto endpoint = RedisEndpoint::parse("redis://gateway:p%40ss%3Aword@host:1/0");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->username, "gateway");
  EXPECT_EQ(endpoint->password, "p@ss:word");
  EXPECT_EQ(endpoint->port, 1);
}

TEST(RedisEndpointTest, BracketedIpv6) {
  const auto endpoint = RedisEndpoint::parse("redis://[::1]:7000/2");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 7000);
  EXPECT_EQ(endpoint->database, 2);
}

TEST(RedisEndpointTest, TrailingSlashMeansDatabaseZero) {
  const auto endpoint = RedisEndpoint::parse("redis://h:1/");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->database, 0);
}

TEST(RedisEndpointTest, RejectsMalformedUrls) {
  for (const char* url : {
           "",
           "127.0.0.1:6379",       // no scheme
           "rediss://h:6379",      // TLS is not supported
           "redis://",             // no host
           "redis://:6379",        // no host
           "redis://h:",           // empty port
           "redis://h:0",          // port 0
           "redis://h:65536",      // port out of range
           "redis://h:63x9",       // not a number
           "redis://h:6379/x",     // bad db
           "redis://h:6379/-1",    // negative db
           "redis://pass@h:6379",  // credentials without ':'
           "redis://:@h:6379",     // empty password
           "redis://:p%4@h",       // truncated escape
           "redis://:p%zz@h",      // bad escape
           "redis://[::1:6379",    // unclosed bracket
           "redis://[::1]x",       // junk after bracket
       }) {
    EXPECT_FALSE(RedisEndpoint::parse(url).has_value()) << url;
  }
}

}  // namespace
}  // namespace oncegate
