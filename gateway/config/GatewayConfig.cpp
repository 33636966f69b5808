#include "gateway/config/GatewayConfig.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

#include "common/Error.h"
#include "common/PemValue.h"
#include "common/SecretReferences.h"
#include "gateway/http/TlsServerContext.h"

namespace oncegate {

namespace {

constexpr std::size_t kMinimumHashKeyLength = 32;
constexpr std::size_t kMinimumMaskKeyLength = 32;
constexpr std::string_view kRedisForm = "redis://[user:password@]host[:port][/db]";
constexpr unsigned kMaxThreads = 256;
// Far above what one process can hold open (descriptors), so that only typing errors are refused.
constexpr std::int64_t kMaxConnectionsLimit = 10'000'000;

// "127.0.0.1:8080" or "[::1]:8080" into host and port; false when malformed.
bool splitListen(std::string_view text, HttpServerConfig& http) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto portText = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc{} || end != portText.data() + portText.size() || port > 65535) return false;
  http.host = std::string(host);
  http.port = static_cast<std::uint16_t>(port);
  return true;
}

TlsMaterial parseTls(const ConfigNode& node, const std::filesystem::path& baseDir) {
  node.allowOnlyKeys({"cert", "key", "client_ca"});
  TlsMaterial material;
  material.certificatePem = pemValueOf(node.at("cert"), baseDir);
  material.keyPem = pemValueOf(node.at("key"), baseDir);
  if (auto v = node.find("client_ca")) material.clientCaPem = pemValueOf(*v, baseDir);
  try {
    // Built once here so that a bad certificate or key stops the load (or the reload) with the
    // file and line, not the first handshake.
    const TlsServerContext check(material);
  } catch (const Error& e) {
    node.fail(e.message());
  }
  return material;
}

ListenAddress parseAdminListen(const ConfigNode& node, const HttpServerConfig& main) {
  HttpServerConfig admin;
  if (!splitListen(node.asString(), admin)) node.fail("admin_listen must be HOST:PORT");
  if (admin.host == main.host && admin.port == main.port && admin.port != 0) {
    node.fail("admin_listen must differ from listen");
  }
  return {admin.host, admin.port};
}

void parseLimits(const ConfigNode& node, GatewayConfig& config) {
  node.allowOnlyKeys({"max_body", "max_fields", "request_timeout", "read_timeout", "idle_timeout",
                      "max_connections", "max_in_flight", "verify_attempts", "default_rate_limit"});
  if (auto v = node.find("max_body")) {
    config.http.maxBody = v->asByteSize();
    if (config.http.maxBody == 0) v->fail("max_body must be above 0");
  }
  if (auto v = node.find("max_fields")) {
    config.maxFields = static_cast<std::size_t>(v->asInt(1, 100'000));
  }
  if (auto v = node.find("request_timeout")) config.requestTimeout = v->asDuration();
  if (auto v = node.find("read_timeout")) config.http.readTimeout = v->asDuration();
  if (auto v = node.find("idle_timeout")) config.http.idleTimeout = v->asDuration();
  if (auto v = node.find("max_connections")) {
    config.http.maxConnections = static_cast<std::size_t>(v->asInt(1, kMaxConnectionsLimit));
  }
  if (auto v = node.find("max_in_flight")) {
    config.http.maxInFlight = static_cast<std::size_t>(v->asInt(1, kMaxConnectionsLimit));
  }
  if (auto v = node.find("verify_attempts")) config.verifyAttempts = VerifyAttemptLimit::parse(*v);
  if (auto v = node.find("default_rate_limit")) config.defaultRateLimit = RateLimit::parse(*v);
}

// The nodes listed under `redis.sentinel` or `redis.cluster`, each host:port.
std::vector<RedisAddress> parseRedisSeeds(const ConfigNode& node, std::string_view key) {
  const auto items = node.items();
  if (items.empty()) node.fail("redis." + std::string(key) + " must list at least one host:port");
  std::vector<RedisAddress> seeds;
  for (const auto& item : items) {
    auto address = RedisAddress::parse(item.asString());
    if (!address) item.fail("each of redis." + std::string(key) + " must be host:port");
    if (std::find(seeds.begin(), seeds.end(), *address) != seeds.end()) {
      item.fail("redis." + std::string(key) + " lists " + address->text() + " twice");
    }
    seeds.push_back(std::move(*address));
  }
  return seeds;
}

// `redis: { sentinel: [...], master, user, password, sentinel_password, database }` or
// `redis: { cluster: [...], user, password }`.
RedisEndpoint parseRedisTopology(const ConfigNode& node, const SecretReferences& references) {
  RedisEndpoint endpoint;
  endpoint.host.clear();
  if (const auto sentinels = node.find("sentinel")) {
    node.allowOnlyKeys({"sentinel", "master", "user", "password", "sentinel_password", "database"});
    endpoint.topology = RedisEndpoint::Topology::Sentinel;
    endpoint.seeds = parseRedisSeeds(*sentinels, "sentinel");
    endpoint.masterName = node.at("master").asString();
    if (const auto v = node.find("sentinel_password")) {
      endpoint.sentinelPassword = v->asExpandedString(references);
    }
    if (const auto v = node.find("database"))
      endpoint.database = static_cast<int>(v->asInt(0, 1 << 20));
  } else {
    node.allowOnlyKeys({"cluster", "user", "password"});
    endpoint.topology = RedisEndpoint::Topology::Cluster;
    endpoint.seeds = parseRedisSeeds(node.at("cluster"), "cluster");
  }
  const auto user = node.find("user");
  const auto password = node.find("password");
  if (user && !password) user->fail("redis.user needs redis.password");
  if (user) endpoint.username = user->asExpandedString(references);
  if (password) endpoint.password = password->asExpandedString(references);
  return endpoint;
}

// The `redis:` URL, or a mapping: { url, user, password } keeps the password out of the URL (a
// `${file:...}` reference of its own); { sentinel: ... } and { cluster: ... } name the nodes to
// discover the servers from. Errors never quote a URL: it may hold the password.
RedisEndpoint parseRedis(const ConfigNode& node, const SecretReferences& references) {
  const bool mapping = node.isMap();
  if (mapping) {
    const int forms = static_cast<int>(node.find("url").has_value()) +
                      static_cast<int>(node.find("sentinel").has_value()) +
                      static_cast<int>(node.find("cluster").has_value());
    if (forms != 1) node.fail("redis needs exactly one of url, sentinel and cluster");
    if (!node.find("url")) return parseRedisTopology(node, references);
    node.allowOnlyKeys({"url", "user", "password"});
  }
  const ConfigNode url = mapping ? node.at("url") : node;
  auto endpoint = RedisEndpoint::parse(url.asExpandedString(references));
  if (!endpoint) url.fail("redis must be a " + std::string(kRedisForm) + " URL");
  if (!mapping) return *endpoint;
  const auto user = node.find("user");
  const auto password = node.find("password");
  if ((user || password) && !endpoint->password.empty()) {
    url.fail("give the Redis credentials either in the URL or as user and password, not both");
  }
  if (user && !password) user->fail("redis.user needs redis.password");
  if (user) endpoint->username = user->asExpandedString(references);
  if (password) endpoint->password = password->asExpandedString(references);
  return *endpoint;
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// cache.encryption_keys: each 64 hex digits; the texts are kept (lower case) to check that no
// other secret repeats one.
void parseEncryptionKeys(const ConfigNode& node, const SecretReferences& references,
                         GatewayConfig& config, std::vector<std::string>& keyTexts) {
  const auto items = node.items();
  if (items.empty()) node.fail("cache.encryption_keys must list at least one key");
  for (const auto& item : items) {
    auto text = lowerCase(item.asExpandedString(references));
    const auto key = CacheValueCipher::parseHexKey(text);
    if (!key) {
      item.fail(
          "each of cache.encryption_keys must be 64 hex digits (32 random bytes, e.g. from "
          "`openssl rand -hex 32`)");
    }
    if (std::find(keyTexts.begin(), keyTexts.end(), text) != keyTexts.end()) {
      item.fail("cache.encryption_keys lists the same key twice");
    }
    config.cacheEncryptionKeys.push_back(*key);
    keyTexts.push_back(std::move(text));
  }
}

void parseCache(const ConfigNode& node, const SecretReferences& references, GatewayConfig& config,
                std::vector<std::string>& encryptionKeyTexts) {
  node.allowOnlyKeys({"local", "local_entries", "local_ttl", "encryption_keys"});
  if (auto v = node.find("encryption_keys"))
    parseEncryptionKeys(*v, references, config, encryptionKeyTexts);
  LocalCacheConfig& cache = config.localCache;
  if (auto v = node.find("local")) cache.enabled = v->asBool();
  if (auto v = node.find("local_entries")) {
    cache.entries = static_cast<std::size_t>(v->asInt(1, 100'000'000));
  }
  if (auto v = node.find("local_ttl")) {
    cache.ttl = v->asDuration();
    if (cache.ttl.count() == 0)
      v->fail("local_ttl must be above 0 (use local: false to turn the tier off)");
  }
}

// admin.secrets: { <source id>: [NAME, "file:PATH", ...] }, the references an admin document of
// that source may use (see SecretReferences).
void parseAdminSecrets(const ConfigNode& node, GatewayConfig& config) {
  for (const auto& [source, list] : node.entries()) {
    auto& bound = config.adminSecrets[source];
    for (const auto& item : list.items()) {
      const auto reference = item.asString();
      const bool isFile = reference.starts_with("file:") && reference.size() > 5;
      const bool isName = reference.find_first_not_of(
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789_") == std::string::npos &&
                          !(reference.front() >= '0' && reference.front() <= '9');
      if ((!isFile && !isName) || reference.find('}') != std::string::npos) {
        item.fail(
            "a secret binding is an environment variable NAME or \"file:PATH\", as written "
            "between ${ and } (got '" +
            reference + "')");
      }
      bound.push_back(reference);
    }
  }
}

void parseAdmin(const ConfigNode& node, GatewayConfig& config) {
  node.allowOnlyKeys({"tokens", "secrets"});
  if (auto secrets = node.find("secrets")) parseAdminSecrets(*secrets, config);
  const auto tokens = node.find("tokens");
  if (!tokens) return;
  for (const auto& item : tokens->items()) {
    item.allowOnlyKeys({"name", "role", "token_sha256"});
    AdminToken token{item.at("name").asString(), item.at("role").asString(),
                     item.at("token_sha256").asString()};
    if (token.role != "dba" && token.role != "security_officer" && token.role != "auditor" &&
        token.role != "reform_office" && token.role != "admin") {
      item.at("role").fail("role must be dba, security_officer, auditor, reform_office or admin");
    }
    if (token.tokenSha256.size() != 64 ||
        token.tokenSha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      item.at("token_sha256").fail("token_sha256 must be 64 lower-case hex characters");
    }
    config.adminTokens.push_back(std::move(token));
  }
}

}  // namespace

GatewayConfig parseGatewayConfig(const ConfigNode& document, const std::filesystem::path& baseDir,
                                 const std::optional<std::string>& listenOverride) {
  document.allowOnlyKeys({"listen", "threads", "redis", "cache", "audit", "limits", "admin",
                          "store", "store_poll", "include", "hash_key", "mask_key", "tls",
                          "admin_listen", "signing", "log"});
  GatewayConfig config;
  config.baseDir = baseDir;
  if (auto listen = document.find("listen")) {
    if (!splitListen(listen->asString(), config.http)) listen->fail("listen must be HOST:PORT");
  }
  if (listenOverride && !splitListen(*listenOverride, config.http)) {
    throw Error(ErrorCode::InvalidConfig,
                "--listen must be HOST:PORT, got '" + *listenOverride + "'");
  }
  if (auto v = document.find("tls")) config.tls = parseTls(*v, baseDir);
  if (auto v = document.find("admin_listen"))
    config.adminListen = parseAdminListen(*v, config.http);
  unsigned threads = 0;
  if (auto v = document.find("threads")) threads = static_cast<unsigned>(v->asInt(0, kMaxThreads));
  config.http.threads = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  const auto redis = document.find("redis");
  if (redis) config.redis = parseRedis(*redis, SecretReferences::any(baseDir));
  std::vector<std::string> encryptionKeyTexts;
  if (auto v = document.find("cache"))
    parseCache(*v, SecretReferences::any(baseDir), config, encryptionKeyTexts);
  if (redis && config.cacheEncryptionKeys.empty()) {
    redis->fail(
        "redis needs cache.encryption_keys (values in Redis are encrypted): give one key of 64 "
        "hex digits, e.g. `cache: { encryption_keys: [\"${file:/run/secrets/cache-key}\"] }`");
  }
  if (auto v = document.find("signing")) config.signing = SigningConfig::parse(*v, baseDir);
  const auto audit = document.find("audit");
  config.audit = audit ? parseAuditConfig(*audit, baseDir) : defaultAuditConfig(baseDir);
  if (auto v = document.find("limits")) parseLimits(*v, config);
  if (auto v = document.find("log")) {
    v->allowOnlyKeys({"requests"});
    if (auto requests = v->find("requests")) config.logRequests = requests->asBool();
  }
  if (auto v = document.find("admin")) parseAdmin(*v, config);
  if (auto v = document.find("store"))
    config.store = v->asExpandedString(SecretReferences::any(baseDir));
  if (auto v = document.find("store_poll")) {
    config.storePoll = v->asDuration();
    if (config.storePoll.count() <= 0) v->fail("store_poll must be above 0");
  }
  if (auto v = document.find("include")) config.include = v->asStringList();
  const auto hashKey = document.find("hash_key");
  if (!hashKey) document.fail("missing required key 'hash_key' (the secret for keyed hashes)");
  config.hashKey = hashKey->asExpandedString(SecretReferences::any(baseDir));
  if (config.hashKey.size() < kMinimumHashKeyLength) {
    hashKey->fail("hash_key must be at least " + std::to_string(kMinimumHashKeyLength) +
                  " characters");
  }
  const auto maskKey = document.find("mask_key");
  if (maskKey) {
    config.maskKey = maskKey->asExpandedString(SecretReferences::any(baseDir));
    if (config.maskKey.size() < kMinimumMaskKeyLength) {
      maskKey->fail("mask_key must be at least " + std::to_string(kMinimumMaskKeyLength) +
                    " characters");
    }
    if (config.maskKey == config.hashKey) {
      maskKey->fail("mask_key must differ from hash_key (they are separate secrets)");
    }
  }
  // One leaked secret must not give away another: each has its own value.
  for (const auto& keyText : encryptionKeyTexts) {
    if (lowerCase(config.hashKey) == keyText) {
      hashKey->fail("hash_key must differ from every key of cache.encryption_keys");
    }
    if (maskKey && lowerCase(config.maskKey) == keyText) {
      maskKey->fail("mask_key must differ from every key of cache.encryption_keys");
    }
  }
  return config;
}

}  // namespace oncegate
