#include "gateway/config/GatewayConfig.h"

#include <charconv>
#include <thread>

#include "common/Error.h"

namespace oncegate {

namespace {

constexpr std::size_t kMinimumHashKeyLength = 32;
constexpr unsigned kMaxThreads = 256;

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

void parseLimits(const ConfigNode& node, GatewayConfig& config) {
  node.allowOnlyKeys({"max_body", "max_fields", "request_timeout", "read_timeout", "idle_timeout",
                      "verify_attempts", "default_rate_limit"});
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
  if (auto v = node.find("verify_attempts")) config.verifyAttempts = VerifyAttemptLimit::parse(*v);
  if (auto v = node.find("default_rate_limit")) config.defaultRateLimit = RateLimit::parse(*v);
}

void parseCache(const ConfigNode& node, LocalCacheConfig& cache) {
  node.allowOnlyKeys({"local", "local_entries", "local_ttl"});
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

void parseAdmin(const ConfigNode& node, GatewayConfig& config) {
  node.allowOnlyKeys({"tokens"});
  const auto tokens = node.find("tokens");
  if (!tokens) return;
  for (const auto& item : tokens->items()) {
    item.allowOnlyKeys({"name", "role", "token_sha256"});
    AdminToken token{item.at("name").asString(), item.at("role").asString(),
                     item.at("token_sha256").asString()};
    if (token.role != "dba" && token.role != "security_officer" && token.role != "auditor" &&
        token.role != "admin") {
      item.at("role").fail("role must be dba, security_officer, auditor or admin");
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
                          "store", "store_poll", "include", "hash_key"});
  GatewayConfig config;
  config.baseDir = baseDir;
  if (auto listen = document.find("listen")) {
    if (!splitListen(listen->asString(), config.http)) listen->fail("listen must be HOST:PORT");
  }
  if (listenOverride && !splitListen(*listenOverride, config.http)) {
    throw Error(ErrorCode::InvalidConfig,
                "--listen must be HOST:PORT, got '" + *listenOverride + "'");
  }
  unsigned threads = 0;
  if (auto v = document.find("threads")) threads = static_cast<unsigned>(v->asInt(0, kMaxThreads));
  config.http.threads = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  if (auto v = document.find("redis")) {
    config.redis = v->asExpandedString();
    if (config.redis->rfind("redis://", 0) != 0)
      v->fail("redis must be a redis://host:port/db URL");
  }
  if (auto v = document.find("cache")) parseCache(*v, config.localCache);
  const auto audit = document.find("audit");
  config.audit = audit ? parseAuditConfig(*audit, baseDir) : defaultAuditConfig(baseDir);
  if (auto v = document.find("limits")) parseLimits(*v, config);
  if (auto v = document.find("admin")) parseAdmin(*v, config);
  if (auto v = document.find("store")) config.store = v->asExpandedString();
  if (auto v = document.find("store_poll")) {
    config.storePoll = v->asDuration();
    if (config.storePoll.count() <= 0) v->fail("store_poll must be above 0");
  }
  if (auto v = document.find("include")) config.include = v->asStringList();
  const auto hashKey = document.find("hash_key");
  if (!hashKey) document.fail("missing required key 'hash_key' (the secret for keyed hashes)");
  config.hashKey = hashKey->asExpandedString();
  if (config.hashKey.size() < kMinimumHashKeyLength) {
    hashKey->fail("hash_key must be at least " + std::to_string(kMinimumHashKeyLength) +
                  " characters");
  }
  return config;
}

}  // namespace oncegate
