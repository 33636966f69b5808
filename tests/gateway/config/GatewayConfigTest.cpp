#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "GatewayConfigText.h"
#include "TestCertificate.h"
#include "common/Error.h"
#include "gateway/config/GatewayConfig.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

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
  EXPECT_EQ(config.http.maxConnections, http.maxConnections);
  EXPECT_EQ(config.http.maxInFlight, http.maxInFlight);
  EXPECT_EQ(config.http.threads, std::max(1U, std::thread::hardware_concurrency()));
  EXPECT_FALSE(config.redis.has_value());
  EXPECT_EQ(config.maxFields, defaults.maxFields);
  EXPECT_EQ(config.requestTimeout, defaults.requestTimeout);
  EXPECT_EQ(config.verifyAttempts, defaults.verifyAttempts);
  EXPECT_EQ(config.defaultRateLimit, defaults.defaultRateLimit);
  EXPECT_EQ(config.hashKey, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(config.maskKey.empty());
  EXPECT_TRUE(config.cacheEncryptionKeys.empty());
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
                            "cache: { encryption_keys: [" +
                            kCacheKeyHex + ", \"" + kOldCacheKeyHex +
                            "\"] }\n"
                            "mask_key: a-mask-secret-of-more-than-32-characters\n"
                            "audit: { path: trail.jsonl, durability: batch }\n"
                            "limits: { max_body: 64KiB, max_fields: 40, request_timeout: 750ms,\n"
                            "          read_timeout: 2s, idle_timeout: 1m, max_connections: 300,\n"
                            "          max_in_flight: 40,\n"
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
  ASSERT_TRUE(config.redis.has_value());
  EXPECT_EQ(config.redis->host, "127.0.0.1");
  EXPECT_EQ(config.redis->port, 6379);
  EXPECT_EQ(config.redis->database, 2);
  ASSERT_EQ(config.cacheEncryptionKeys.size(), 2U);
  EXPECT_EQ(config.cacheEncryptionKeys[0], *CacheValueCipher::parseHexKey(kCacheKeyHex));
  EXPECT_EQ(config.cacheEncryptionKeys[1], *CacheValueCipher::parseHexKey(kOldCacheKeyHex));
  EXPECT_EQ(config.maskKey, "a-mask-secret-of-more-than-32-characters");
  EXPECT_EQ(config.audit.path, kBase / "trail.jsonl");
  EXPECT_EQ(config.audit.durability, AuditConfig::Durability::Batch);
  EXPECT_EQ(config.http.maxBody, 64U * 1024U);
  EXPECT_EQ(config.maxFields, 40U);
  EXPECT_EQ(config.requestTimeout, 750ms);
  EXPECT_EQ(config.http.readTimeout, 2s);
  EXPECT_EQ(config.http.idleTimeout, 1min);
  EXPECT_EQ(config.http.maxConnections, 300U);
  EXPECT_EQ(config.http.maxInFlight, 40U);
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

// signing: is SigningConfig's (tests/gateway/signing); here only that gateway.yaml hands it over.
// One line per request unless `log: { requests: false }`; nothing else is accepted under log.
TEST(GatewayConfigTest, RequestLinesAreOnUnlessTurnedOff) {
  EXPECT_TRUE(parse(kHashKeyLine).logRequests);
  EXPECT_TRUE(parse(std::string(kHashKeyLine) + "log: { requests: true }\n").logRequests);
  EXPECT_FALSE(parse(std::string(kHashKeyLine) + "log: { requests: false }\n").logRequests);
  try {
    parse(std::string(kHashKeyLine) + "log: { level: debug }\n");
    FAIL() << "log.level accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("level"));
  }
}

TEST(GatewayConfigTest, SigningIsOptionalAndParsedBySigningConfig) {
  EXPECT_FALSE(parse(kHashKeyLine).signing.has_value());
  const auto config =
      parse(std::string(kHashKeyLine) + "signing: { keys: [{ id: k1, private_key: \"" +
            "-----BEGIN PRIVATE KEY-----\\n"
            "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\\n"
            "-----END PRIVATE KEY-----\\n\" }] }\n");
  ASSERT_TRUE(config.signing.has_value());
  EXPECT_EQ(config.signing->signingKeyId, "k1");
  EXPECT_THAT(rejection(std::string(kHashKeyLine) + "signing: { keys: [] }\n"),
              HasSubstr("at least one key"));
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

TEST(GatewayConfigTest, RejectsAConnectionLimitThatIsNotAPositiveNumber) {
  const auto zero = rejection(std::string(kHashKeyLine) + "limits:\n  max_connections: 0\n");
  EXPECT_THAT(zero, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(zero, HasSubstr("expected a number from 1"));
  const auto word = rejection(std::string(kHashKeyLine) + "limits:\n  max_in_flight: many\n");
  EXPECT_THAT(word, HasSubstr("gateway.yaml:3"));
  EXPECT_THAT(word, HasSubstr("expected a whole number"));
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

TEST(GatewayConfigTest, AcceptsEveryAdminRoleTheReformOfficeIncluded) {
  for (const std::string role : {"dba", "security_officer", "auditor", "reform_office", "admin"}) {
    const auto config = parse(std::string(kHashKeyLine) +
                              "admin:\n"
                              "  tokens:\n"
                              "    - name: someone\n"
                              "      role: " +
                              role + "\n      token_sha256: " + std::string(64, 'b') + "\n");
    ASSERT_EQ(config.adminTokens.size(), 1U) << role;
    EXPECT_EQ(config.adminTokens[0].role, role);
  }
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

TEST(GatewayConfigTest, ReadsTheSecretsBoundPerSource) {
  const auto config = parse(std::string(kHashKeyLine) +
                            "admin:\n"
                            "  secrets:\n"
                            "    housing_fund: [FUND_DB_PASSWORD, \"file:/run/secrets/fund\"]\n"
                            "    hr: []\n");
  EXPECT_EQ(config.adminSecrets.at("housing_fund"),
            (std::vector<std::string>{"FUND_DB_PASSWORD", "file:/run/secrets/fund"}));
  EXPECT_TRUE(config.adminSecrets.at("hr").empty());
  EXPECT_TRUE(parse(kHashKeyLine).adminSecrets.empty());
}

TEST(GatewayConfigTest, RejectsSecretsThatAreNotAMapping) {
  EXPECT_THAT(rejection(std::string(kHashKeyLine) + "admin:\n  secrets: [A]\n"),
              HasSubstr("gateway.yaml:3: expected a mapping"));
}

TEST(GatewayConfigTest, RejectsSecretsOfASourceThatAreNotAList) {
  EXPECT_THAT(rejection(std::string(kHashKeyLine) + "admin:\n  secrets: { hr: A }\n"),
              HasSubstr("expected a list"));
}

TEST(GatewayConfigTest, RejectsAMalformedSecretBinding) {
  for (const std::string binding : {"\"${A}\"", "\"A B\"", "\"file:\"", "\"1A\""}) {
    const auto message =
        rejection(std::string(kHashKeyLine) + "admin:\n  secrets:\n    hr: [" + binding + "]\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:4")) << binding;
    EXPECT_THAT(message, HasSubstr("a secret binding is an environment variable NAME")) << binding;
  }
}

// The central audit record indexes subjects by a keyed hash made with a subkey of hash_key.
TEST(GatewayConfigTest, RejectsAnAuditStoreWithoutAHashKey) {
  const auto message = rejection("audit: { store: \"Driver=SQLite3;Database=a.db\" }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:1"));
  EXPECT_THAT(message, HasSubstr("missing required key 'hash_key'"));
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

namespace fs = std::filesystem;
using testing::TestCertificate;

// `pem` as a YAML block scalar under a key indented by 2.
std::string blockOf(const std::string& pem) {
  std::string block = "|\n";
  std::size_t start = 0;
  while (start < pem.size()) {
    const auto end = pem.find('\n', start);
    block += "    " + pem.substr(start, end - start) + "\n";
    start = end == std::string::npos ? pem.size() : end + 1;
  }
  return block;
}

// A directory holding a server certificate and key as files, for `tls:` paths.
class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "oncegate-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    fs::create_directories(directory_ / "tls");
    std::ofstream(directory_ / "tls/gateway.crt") << server_.certificatePem();
    std::ofstream(directory_ / "tls/gateway.key") << server_.keyPem();
    std::ofstream(directory_ / "tls/clients-ca.crt") << clientCa_.certificatePem();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  GatewayConfig parseHere(const std::string& yaml) {
    return parseGatewayConfig(ConfigNode::parse(kHashKeyLine + yaml, "gateway.yaml"), directory_,
                              std::nullopt);
  }
  std::string rejectionHere(const std::string& yaml) {
    try {
      parseHere(yaml);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
      return e.message();
    }
    ADD_FAILURE() << "accepted: " << yaml;
    return {};
  }

  TestCertificate ca_ = TestCertificate::authority("ca");
  TestCertificate clientCa_ = TestCertificate::authority("client ca");
  TestCertificate server_ = TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  fs::path directory_;
};

TEST_F(TlsFiles, TlsIsAbsentByDefault) {
  const auto config = parseHere("");
  EXPECT_FALSE(config.tls.has_value());
  EXPECT_FALSE(config.adminListen.has_value());
}

TEST_F(TlsFiles, ReadsPathsRelativeToTheConfigDirectory) {
  const auto config = parseHere(
      "tls: { cert: tls/gateway.crt, key: tls/gateway.key, client_ca: tls/clients-ca.crt }\n");
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->certificatePem, server_.certificatePem());
  EXPECT_EQ(config.tls->keyPem, server_.keyPem());
  EXPECT_EQ(config.tls->clientCaPem, clientCa_.certificatePem());
}

TEST_F(TlsFiles, TakesPemTextAsTheValueAfterExpansion) {
  ::setenv("ONCEGATE_TEST_TLS_KEY", server_.keyPem().c_str(), 1);
  const auto config = parseHere("tls:\n  cert: " + blockOf(server_.certificatePem()) +
                                "  key: \"${ONCEGATE_TEST_TLS_KEY}\"\n");
  ::unsetenv("ONCEGATE_TEST_TLS_KEY");
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->keyPem, server_.keyPem());
  EXPECT_TRUE(config.tls->clientCaPem.empty());
}

TEST_F(TlsFiles, RejectsTlsWithoutAKey) {
  EXPECT_THAT(rejectionHere("tls: { cert: tls/gateway.crt }\n"),
              HasSubstr("missing required key 'key'"));
}

TEST_F(TlsFiles, RejectsAnUnknownTlsKey) {
  EXPECT_THAT(rejectionHere("tls: { cert: tls/gateway.crt, key: tls/gateway.key, ciphers: ALL }\n"),
              HasSubstr("ciphers"));
}

TEST_F(TlsFiles, RejectsAnUnreadableCertificateFile) {
  const auto message = rejectionHere("tls: { cert: tls/missing.crt, key: tls/gateway.key }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, HasSubstr("cannot read the PEM file"));
  EXPECT_THAT(message, HasSubstr("tls/missing.crt"));
}

TEST_F(TlsFiles, RejectsAKeyThatDoesNotMatchTheCertificate) {
  const auto other = TestCertificate::issued(ca_, "127.0.0.1", TestCertificate::Use::Server);
  std::ofstream(directory_ / "tls/other.key") << other.keyPem();
  const auto message = rejectionHere("tls: { cert: tls/gateway.crt, key: tls/other.key }\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, HasSubstr("tls.key does not match tls.cert"));
}

TEST_F(TlsFiles, RejectsACertificateFileWithoutPem) {
  std::ofstream(directory_ / "tls/empty.crt") << "nothing here\n";
  EXPECT_THAT(rejectionHere("tls: { cert: tls/empty.crt, key: tls/gateway.key }\n"),
              HasSubstr("tls.cert holds no PEM certificate"));
}

TEST_F(TlsFiles, ReadsAdminListen) {
  const auto config = parseHere("admin_listen: 127.0.0.1:9443\n");
  ASSERT_TRUE(config.adminListen.has_value());
  EXPECT_EQ(config.adminListen->host, "127.0.0.1");
  EXPECT_EQ(config.adminListen->port, 9443);
}

TEST_F(TlsFiles, RejectsAMalformedAdminListen) {
  EXPECT_THAT(rejectionHere("admin_listen: 9443\n"), HasSubstr("admin_listen must be HOST:PORT"));
}

TEST_F(TlsFiles, RejectsAdminListenOnTheMainAddress) {
  EXPECT_THAT(rejectionHere("listen: 127.0.0.1:9443\nadmin_listen: 127.0.0.1:9443\n"),
              HasSubstr("admin_listen must differ from listen"));
}

TEST(GatewayConfigTest, RejectsRedisWithoutCacheEncryptionKeys) {
  const auto message = rejection(std::string(kHashKeyLine) + "redis: redis://127.0.0.1:6379/0\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, HasSubstr("redis needs cache.encryption_keys"));
}

TEST(GatewayConfigTest, RejectsAnEncryptionKeyThatIsNotSixtyFourHexDigits) {
  for (const std::string& key :
       {std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g",
        std::string("a-passphrase-is-not-a-key-a-passphrase-is-not-a-key-a-passphrase")}) {
    const auto message = rejection(std::string(kHashKeyLine) +
                                   "cache:\n  encryption_keys:\n    - \"" + key + "\"\n");
    EXPECT_THAT(message, HasSubstr("gateway.yaml:4: each of cache.encryption_keys must be 64 hex"))
        << key;
    EXPECT_THAT(message, ::testing::Not(HasSubstr(key))) << "the key is never quoted";
  }
}

TEST(GatewayConfigTest, RejectsAnEmptyEncryptionKeyList) {
  const auto message = rejection(std::string(kHashKeyLine) + "cache: { encryption_keys: [] }\n");
  EXPECT_THAT(message, HasSubstr("at least one key"));
}

TEST(GatewayConfigTest, RejectsAnEncryptionKeyListedTwice) {
  // The same key in another case is the same key.
  const auto message = rejection(std::string(kHashKeyLine) + "cache: { encryption_keys: [" +
                                 std::string(64, 'e') + ", " + std::string(64, 'E') + "] }\n");
  EXPECT_THAT(message, HasSubstr("the same key twice"));
}

TEST(GatewayConfigTest, RejectsAShortMaskKey) {
  const auto message =
      rejection(std::string(kHashKeyLine) + "mask_key: only-thirty-one-characters-long\n");
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2: mask_key must be at least 32"));
}

TEST(GatewayConfigTest, RejectsAMaskKeyEqualToTheHashKey) {
  const auto message =
      rejection(std::string(kHashKeyLine) + "mask_key: 0123456789abcdef0123456789abcdef\n");
  EXPECT_THAT(message, HasSubstr("mask_key must differ from hash_key"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("0123456789abcdef0123")));
}

TEST(GatewayConfigTest, RejectsAHashKeyEqualToAnEncryptionKey) {
  const auto message = rejection("hash_key: " + std::string(64, 'C') + "\n" + kCacheLine);
  EXPECT_THAT(message, HasSubstr("hash_key must differ from every key of cache.encryption_keys"));
}

TEST(GatewayConfigTest, RejectsAMaskKeyEqualToAnEncryptionKey) {
  const auto message =
      rejection(std::string(kHashKeyLine) + kCacheLine + "mask_key: \"" + kCacheKeyHex + "\"\n");
  EXPECT_THAT(message, HasSubstr("mask_key must differ from every key of cache.encryption_keys"));
}

}  // namespace
}  // namespace oncegate
