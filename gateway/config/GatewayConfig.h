#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/audit/AuditConfig.h"
#include "gateway/cache/CacheValueCipher.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/RedisEndpoint.h"
#include "gateway/http/HttpServerConfig.h"
#include "gateway/http/TlsMaterial.h"
#include "gateway/signing/SigningConfig.h"
#include "policies/RateLimit.h"
#include "policies/VerifyAttemptLimit.h"

namespace oncegate {

// An admin token of gateway.yaml: only its SHA-256 is stored.
struct AdminToken {
  std::string name;
  std::string role;  // dba | security_officer | auditor | reform_office | admin
  std::string tokenSha256;
};

// gateway.yaml `admin_listen:`: where /admin/v1/ is served instead of the main listener.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// gateway.yaml `cache:`: the in-process tier. Without `redis:` it is the whole cache; with Redis
// it sits in front of it (a hot row costs no round trip) unless `local: false`.
struct LocalCacheConfig {
  bool enabled = true;
  std::size_t entries = MemoryCache::kDefaultMaxEntries;
  std::chrono::milliseconds ttl{5000};  // with Redis: how long an instance may keep a row
};

// gateway.yaml: the process-wide settings. Its defaults are the member initialisers below and in
// HttpServerConfig; the schema (parseGatewayConfig) never repeats them.
struct GatewayConfig {
  std::filesystem::path baseDir;  // the directory of gateway.yaml: relative paths start here
  HttpServerConfig http;
  // `tls:` read into PEM text and checked (the key matches the certificate); absent: plain HTTP.
  // The admin listener uses the same material.
  std::optional<TlsMaterial> tls;
  std::optional<ListenAddress> adminListen;
  // `redis:` one server by URL, or the sentinels or cluster nodes to discover servers from;
  // absent = in-process cache only.
  std::optional<RedisEndpoint> redis;
  LocalCacheConfig localCache;
  // cache.encryption_keys, newest first: what values in Redis are sealed with. Required with
  // `redis:` (Redis holds no row in clear); unused without it.
  std::vector<CacheValueCipher::Key> cacheEncryptionKeys;
  // `signing:`, the keys of signed answers; absent: answers are not signed.
  std::optional<SigningConfig> signing;
  AuditConfig audit;
  // log.requests: one info line per /v1 request (id, method, route, client, status, latency).
  // The audit trail records every data request anyway; a busy instance may drop the lines.
  bool logRequests = true;
  std::size_t maxFields = 500;
  std::chrono::milliseconds requestTimeout{5000};
  // limits.verify_attempts: guesses per client, subject and field at /v1/verify.
  VerifyAttemptLimit verifyAttempts;
  // limits.default_rate_limit: for clients without their own rate_limit.
  RateLimit defaultRateLimit{.perSecond = 100, .burst = 200};
  // Secret for the keyed hashes of cache keys (and the invalidation channel's name). Instances
  // sharing Redis share it.
  std::string hashKey;
  // mask_key: the secret of the `hash` mask, apart from hash_key so that a masked value cannot be
  // linked to a cache key. Empty when absent: then no policy may use the `hash` mask.
  std::string maskKey;
  std::vector<AdminToken> adminTokens;
  // admin.secrets: per source id, the ${...} references (as written between ${ and }) that a
  // document of that source sent through the admin API may use. Documents from the operator's
  // files may use any.
  std::map<std::string, std::vector<std::string>> adminSecrets;
  std::string store;  // control store ODBC connection string (admin plane)
  // How often the store's version is read, so that other instances' changes take effect here.
  std::chrono::milliseconds storePoll{1000};
  std::vector<std::string> include;
};

// Parses gateway.yaml (already loaded); `listenOverride` is --listen HOST:PORT when given.
GatewayConfig parseGatewayConfig(const ConfigNode& document, const std::filesystem::path& baseDir,
                                 const std::optional<std::string>& listenOverride);

}  // namespace oncegate
