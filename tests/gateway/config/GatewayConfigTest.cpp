#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "common/Error.h"
#include "gateway/config/GatewayConfig.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::filesystem::path kBase = "/etc/oncegate";
constexpr const char* kHashKeyLine = "hash_key: 0123456789abcdef0123456789abcdef\n";

GatewayConfig parse(const std::string& yaml,
                    const std::optional<std::string>& listenOverride = std::nullopt) {
  return parseGatewayConfig(ConfigNode::parse(yaml, "gateway.yaml"), kBase, listenOverride);
}

// The InvalidConfig message for `yaml`, which must be rejected.
std::string rejection(const std::string& yaml,
                      const std::optional<std::string>& listenOverride = std::nullopt) {
  try {
    parse(yaml, listenOverride);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "accepted: " << yaml;
  return {};
}

TEST(GatewayConfigTest, DefaultsApplyWhenOnlyTheHashKeyIsWritten) {
  const auto config = parse(kHashKeyLine);
  const GatewayConfig defaults;
  const HttpServerConfig http;
  EXPECT_EQ(config.baseDir, kBase);
  EXPECT_EQ(config.http.host, http.host);
  EXPECT_EQ(config.http.port, http.port);
  EXPECT_EQ(config.http.maxBody, http.maxBody);
  EXPECT_EQ(config.http.readTimeout, http.readTimeout);
  EXPECT_EQ(config.http.idleTimeout, http.idleTimeout);
  EXPECT_EQ(config.http.threads, std::max(1U, std::thread::hardware_concurrency()));
  EXPECT_FALSE(config.redis.has_value());
  EXPECT_EQ(config.maxFields, defaults.maxFields);
  EXPECT_EQ(config.requestTimeout, defaults.requestTimeout);
  EXPECT_EQ(config.verifyAttempts, defaults.verifyAttempts);
  EXPECT_EQ(config.defaultRateLimit, defaults.defaultRateLimit);
  EXPECT_EQ(config.hashKey, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(config.adminTokens.empty());
  EXPECT_TRUE(config.store.empty());
  EXPECT_EQ(config.storePoll, defaults.storePoll);
  EXPECT_TRUE(config.include.empty());
  EXPECT_EQ(config.audit.path, defaultAuditConfig(kBase).path);
  EXPECT_EQ(config.audit.durability, defaultAuditConfig(kBase).durability);
}

TEST(GatewayConfigTest, ReadsEveryKey) {
  setenv("ONCEGATE_TEST_GATEWAY_STORE", "Driver=PostgreSQL;Server=db", 1);
  const auto config = parse(std::string(kHashKeyLine) +
                            "listen: 0.0.0.0:9090\n"
                            "threads: 3\n"
                            "redis: redis://127.0.0.1:6379/2\n"
                            "audit: { path: trail.jsonl, durability: batch }\n"
                            "limits: { max_body: 64KiB, max_fields: 40, request_timeout: 750ms,\n"
                            "          read_timeout: 2s, idle_timeout: 1m,\n"
                            "          verify_attempts: { count: 3, per: 10m },\n"
                            "          default_rate_limit: { per_second: 50, burst: 70 } }\n"
                            "admin:\n"
                            "  tokens:\n"
                            "    - name: ops\n"
                            "      role: dba\n"
                            "      token_sha256: " +
                            std::string(64, 'a') +
                            "\n"
                            "store: \"${ONCEGATE_TEST_GATEWAY_STORE}\"\n"
                            "store_poll: 200ms\n"
                            "include: [sources/*.yaml, mappings/hr.yaml]\n");
  EXPECT_EQ(config.http.host, "0.0.0.0");
  EXPECT_EQ(config.http.port, 9090);
  EXPECT_EQ(config.http.threads, 3U);
  EXPECT_EQ(config.redis, "redis://127.0.0.1:6379/2");
  EXPECT_EQ(config.audit.path, kBase / "trail.jsonl");
  EXPECT_EQ(config.audit.durability, AuditConfig::Durability::Batch);
  EXPECT_EQ(config.http.maxBody, 64U * 1024U);
  EXPECT_EQ(config.maxFields, 40U);
  EXPECT_EQ(config.requestTimeout, 750ms);
  EXPECT_EQ(config.http.readTimeout, 2s);
  EXPECT_EQ(config.http.idleTimeout, 1min);
  EXPECT_EQ(config.verifyAttempts, (VerifyAttemptLimit{.count = 3, .per = 10min}));
  EXPECT_EQ(config.defaultRateLimit, (RateLimit{.perSecond = 50, .burst = 70}));
  ASSERT_EQ(config.adminTokens.size(), 1U);
  EXPECT_EQ(config.adminTokens[0].name, "ops");
  EXPECT_EQ(config.adminTokens[0].role, "dba");
  EXPECT_EQ(config.adminTokens[0].tokenSha256, std::string(64, 'a'));
  EXPECT_EQ(config.store, "Driver=PostgreSQL;Server=db");
  EXPECT_EQ(config.storePoll, 200ms);
  EXPECT_EQ(config.include, (std::vector<std::string>{"sources/*.yaml", "mappings/hr.yaml"}));
}

TEST(GatewayConfigTest, ListenTakesAnIpv6HostInBrackets) {
  const auto config = parse(std::string(kHashKeyLine) + "listen: \"[::1]:80\"\n");
  EXPECT_EQ(config.http.host, "::1");
  EXPECT_EQ(config.http.port, 80);
}

TEST(GatewayConfigTest, ListenOverrideWinsOverTheFile) {
  const auto config = parse(std::string(kHashKeyLine) + "listen: 127.0.0.1:8080\n", "[::1]:8443");
  EXPECT_EQ(config.http.host, "::1");
  EXPECT_EQ(config.http.port, 8443);
  const auto plain = parse(kHashKeyLine, "10.0.0.5:81");
  EXPECT_EQ(plain.http.host, "10.0.0.5");
  EXPECT_EQ(plain.http.port, 81);
}

TEST(GatewayConfigTest, ZeroThreadsMeansOnePerCore) {
  const auto config = parse(std::string(kHashKeyLine) + "threads: 0\n");
  EXPECT_EQ(config.http.threads, std::max(1U, std::thread::hardware_concurrency()));
  EXPECT_GE(config.http.threads, 1U);
}

TEST(GatewayConfigTest, RejectsAnUnknownKey) {
  const auto message = rejection(std::string(kHashKeyLine) + "listen: 127.0.0.1:1\nthread: 4\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("thread"));
}

TEST(GatewayConfigTest, RejectsAMalformedListen) {
  for (const char* listen : {"localhost", "127.0.0.1:http", "127.0.0.1:70000", ":80"}) {
    const auto message = rejection(std::string(kHashKeyLine) + "listen: \"" + listen + "\"\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:2")) << listen;
    EXPECT_THAT(message, HasSubstr("listen must be HOST:PORT")) << listen;
  }
}

TEST(GatewayConfigTest, RejectsAMalformedListenOverride) {
  // The override comes from the command line, so the message names the flag, not a file line.
  const auto message = rejection(kHashKeyLine, "127.0.0.1");
  EXPECT_THAT(message, HasSubstr("--listen"));
  EXPECT_THAT(message, HasSubstr("'127.0.0.1'"));
}

TEST(GatewayConfigTest, RejectsThreadsOutOfRange) {
  for (const char* threads : {"257", "-1", "many"}) {
    const auto message = rejection(std::string(kHashKeyLine) + "\nthreads: " + threads + "\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:3")) << threads;
  }
}

TEST(GatewayConfigTest, RejectsARedisAddressThatIsNotARedisUrl) {
  const auto message = rejection(std::string(kHashKeyLine) + "redis: http://127.0.0.1:6379\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, HasSubstr("redis://"));
}

TEST(GatewayConfigTest, RejectsAnUnknownLimit) {
  const auto message =
      rejection(std::string(kHashKeyLine) + "limits:\n  max_body: 1MiB\n  max_feilds: 3\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:4"));
  EXPECT_THAT(message, HasSubstr("max_feilds"));
}

TEST(GatewayConfigTest, RejectsABadVerifyAttemptsLimit) {
  const auto message = rejection(std::string(kHashKeyLine) +
                                 "limits:\n  verify_attempts: { count: 3, every: 1h }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("unknown key 'every'"));
}

TEST(GatewayConfigTest, RejectsABadDefaultRateLimit) {
  const auto message =
      rejection(std::string(kHashKeyLine) + "limits:\n  default_rate_limit: { per_second: 0 }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("per_second must be a number"));
}

TEST(GatewayConfigTest, RejectsAZeroMaxBody) {
  const auto message = rejection(std::string(kHashKeyLine) + "limits:\n  max_body: 0\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("max_body must be above 0"));
}

TEST(GatewayConfigTest, RejectsABadDuration) {
  const auto message =
      rejection(std::string(kHashKeyLine) + "limits:\n  max_fields: 10\n  request_timeout: soon\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:4"));
}

TEST(GatewayConfigTest, RejectsAStorePollThatIsNotAPositiveDuration) {
  const auto zero = rejection(std::string(kHashKeyLine) + "store_poll: 0s\n");
  EXPECT_THAT(zero, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(zero, HasSubstr("store_poll must be above 0"));
  const auto word = rejection(std::string(kHashKeyLine) + "store_poll: often\n");
  EXPECT_THAT(word, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(word, HasSubstr("expected a duration"));
}

TEST(GatewayConfigTest, RejectsAnAdminTokenWithAnUnknownRole) {
  const auto message = rejection(std::string(kHashKeyLine) +
                                 "admin:\n"
                                 "  tokens:\n"
                                 "    - name: ops\n"
                                 "      role: root\n"
                                 "      token_sha256: " +
                                 std::string(64, 'b') + "\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:5"));
  EXPECT_THAT(message, HasSubstr("role must be"));
}

TEST(GatewayConfigTest, RejectsAnAdminTokenWithABadHash) {
  for (const std::string& hash :
       {std::string(63, 'c'), std::string(64, 'C'), std::string(63, 'c') + "g"}) {
    const auto message = rejection(std::string(kHashKeyLine) +
                                   "admin:\n"
                                   "  tokens:\n"
                                   "    - name: ops\n"
                                   "      role: auditor\n"
                                   "      token_sha256: " +
                                   hash + "\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:6")) << hash;
    EXPECT_THAT(message, HasSubstr("64 lower-case hex")) << hash;
  }
}

TEST(GatewayConfigTest, RejectsAMissingHashKey) {
  const auto message = rejection("listen: 127.0.0.1:8080\nthreads: 2\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:1"));
  EXPECT_THAT(message, HasSubstr("hash_key"));
}

TEST(GatewayConfigTest, RejectsAShortHashKey) {
  const auto message = rejection("threads: 2\nhash_key: only-thirty-one-characters-long\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, HasSubstr("at least 32"));
}

TEST(GatewayConfigTest, RejectsAHashKeyNamingAnUnsetVariable) {
  unsetenv("ONCEGATE_TEST_UNSET_HASH_KEY");
  const auto message = rejection("threads: 2\n\nhash_key: \"${ONCEGATE_TEST_UNSET_HASH_KEY}\"\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(message, HasSubstr("ONCEGATE_TEST_UNSET_HASH_KEY"));
}

TEST(GatewayConfigTest, ExpandsTheHashKeyFromTheEnvironment) {
  setenv("ONCEGATE_TEST_HASH_KEY", "a-secret-of-at-least-thirty-two-characters", 1);
  const auto config = parse("hash_key: \"${ONCEGATE_TEST_HASH_KEY}\"\n");
  EXPECT_EQ(config.hashKey, "a-secret-of-at-least-thirty-two-characters");
}

}  // namespace
}  // namespace oncegate

namespace oncegate {
namespace {

TEST(GatewayConfigTest, LocalCacheTierIsOnByDefaultAndConfigurable) {
  const LocalCacheConfig defaults;
  EXPECT_TRUE(parse(kHashKeyLine).localCache.enabled);
  EXPECT_EQ(parse(kHashKeyLine).localCache.ttl, defaults.ttl);
  const auto config = parse(std::string(kHashKeyLine) +
                            "cache: { local: false, local_entries: 10, local_ttl: 2s }\n");
  EXPECT_FALSE(config.localCache.enabled);
  EXPECT_EQ(config.localCache.entries, 10U);
  EXPECT_EQ(config.localCache.ttl, 2s);
}

TEST(GatewayConfigTest, RejectsAnUnknownCacheKey) {
  const auto message = rejection(std::string(kHashKeyLine) + "cache:\n  locale: false\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3: unknown key 'locale'"));
}

TEST(GatewayConfigTest, RejectsAZeroLocalTtl) {
  const auto message = rejection(std::string(kHashKeyLine) + "cache:\n  local_ttl: 0s\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:3: local_ttl must be above 0"));
}

}  // namespace
}  // namespace oncegate
