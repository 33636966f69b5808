#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/audit/AuditConfig.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/http/HttpServerConfig.h"
#include "policies/RateLimit.h"
#include "policies/VerifyAttemptLimit.h"

namespace oncegate {

// An admin token of gateway.yaml: only its SHA-256 is stored.
struct AdminToken {
  std::string name;
  std::string role;  // dba | security_officer | auditor | admin
  std::string tokenSha256;
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
  std::optional<std::string> redis;  // redis://host:port/db; absent = in-process cache only
  LocalCacheConfig localCache;
  AuditConfig audit;
  std::size_t maxFields = 500;
  std::chrono::milliseconds requestTimeout{5000};
  // limits.verify_attempts: guesses per client, subject and field at /v1/verify.
  VerifyAttemptLimit verifyAttempts;
  // limits.default_rate_limit: for clients without their own rate_limit.
  RateLimit defaultRateLimit{.perSecond = 100, .burst = 200};
  // Secret for keyed hashes (cache keys, the `hash` mask). Instances sharing Redis share it.
  std::string hashKey;
  std::vector<AdminToken> adminTokens;
  std::string store;  // control store ODBC connection string (admin plane)
  // How often the store's version is read, so that other instances' changes take effect here.
  std::chrono::milliseconds storePoll{1000};
  std::vector<std::string> include;
};

// Parses gateway.yaml (already loaded); `listenOverride` is --listen HOST:PORT when given.
GatewayConfig parseGatewayConfig(const ConfigNode& document, const std::filesystem::path& baseDir,
                                 const std::optional<std::string>& listenOverride);

}  // namespace oncegate
