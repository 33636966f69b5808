// oncegate: the gateway process and its composition root, the one place that names concrete
// types (ODBC sources, Redis or in-process cache, the audit file) and wires them together.

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"
#include "connectors/odbc/OdbcSource.h"
#include "gateway/admin/AdminRouter.h"
#include "gateway/api/ApiHandler.h"
#include "gateway/audit/FileAuditLog.h"
#include "gateway/cache/CacheInvalidation.h"
#include "gateway/cache/CacheValueCipher.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisCache.h"
#include "gateway/cache/RedisPubSubChannel.h"
#include "gateway/cache/TieredCache.h"
#include "gateway/config/Configuration.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpRouter.h"
#include "gateway/http/HttpServer.h"
#include "gateway/logging/BufferedStderrSink.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"
#include "gateway/service/DataRequestService.h"
#include "gateway/service/PlanExecutor.h"
#include "gateway/stats/ComponentSamples.h"
#include "gateway/stats/GatewayStats.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/StoreChangeChannel.h"
#include "gateway/store/StoreSync.h"

namespace {

constexpr std::string_view kUsage =
    "usage: oncegate --config DIR [--listen HOST:PORT]\n"
    "  --config DIR        directory holding gateway.yaml and the files it includes\n"
    "  --listen HOST:PORT  overrides listen: in gateway.yaml\n";

// Request lines reach stderr within this interval; warnings and errors at once.
constexpr std::chrono::seconds kLogFlushInterval{1};

// How long a Redis round trip may take before the request treats it as misses.
constexpr std::chrono::milliseconds kRedisTimeout{100};
// How long the startup check of the Redis login waits for each step.
constexpr std::chrono::milliseconds kRedisLoginCheckTimeout{2000};
// Beyond request_timeout, what a request being answered at shutdown gets to finish: its audit
// record (strict: an fsync) and its write.
constexpr std::chrono::milliseconds kDrainSlack{1000};

struct Options {
  std::string configDir;
  std::optional<std::string> listen;
};

std::optional<Options> parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--config" || arg == "--listen") && i + 1 < argc) {
      (arg == "--config" ? options.configDir : options.listen.emplace()) = argv[++i];
    } else {
      return std::nullopt;
    }
  }
  if (options.configDir.empty()) return std::nullopt;
  return options;
}

// The cache requests use, its local tier when other instances' invalidations must reach it, and
// each tier by its concrete type, for /metrics.
struct Cache {
  std::unique_ptr<oncegate::DatasetCache> cache;
  oncegate::TieredCache* tiered = nullptr;
  const oncegate::RedisCache* redis = nullptr;
  const oncegate::MemoryCache* memory = nullptr;
};

Cache makeCache(const oncegate::GatewayConfig& config, oncegate::EventLoops& loops) {
  const auto& local = config.localCache;
  if (!config.redis) {
    auto memory = std::make_unique<oncegate::MemoryCache>(local.entries);
    const auto* tier = memory.get();
    return {std::move(memory), nullptr, nullptr, tier};
  }
  const auto& endpoint = *config.redis;
  // A refused login (wrong password) stops the start here: otherwise every lookup would miss,
  // forever, with nothing but a log line to say why. Redis merely down is waited for instead.
  try {
    oncegate::RedisBlockingClient::checkLogin(endpoint, kRedisLoginCheckTimeout);
  } catch (const oncegate::Error& e) {
    if (e.code() == oncegate::ErrorCode::InvalidConfig) throw;
    spdlog::warn("redis cache {}:{} not reachable at startup ({}); serving misses until it is",
                 endpoint.host, endpoint.port, e.detail());
  }
  auto cipher = std::make_shared<const oncegate::CacheValueCipher>(config.cacheEncryptionKeys);
  auto redis = std::make_unique<oncegate::RedisCache>(endpoint, loops.all(), kRedisTimeout, cipher);
  const auto* shared = redis.get();
  if (!local.enabled) return {std::move(redis), nullptr, shared, nullptr};
  auto tiered = std::make_unique<oncegate::TieredCache>(std::move(redis), local.entries, local.ttl);
  auto* tier = tiered.get();
  return {std::move(tiered), tier, shared, nullptr};
}

// Admin calls are counted under one route label (their paths carry document ids).
constexpr std::string_view kAdminRoute = "/admin/v1";

// The tiers a lookup can name, as configured: a local tier in front of Redis, Redis alone, or
// the in-process cache.
std::vector<std::string> cacheTierNames(const oncegate::GatewayConfig& config) {
  using oncegate::CacheTier;
  if (!config.redis) return {std::string(oncegate::cacheTierName(CacheTier::Memory))};
  std::vector<std::string> tiers;
  if (config.localCache.enabled) tiers.emplace_back(oncegate::cacheTierName(CacheTier::Local));
  tiers.emplace_back(oncegate::cacheTierName(CacheTier::Redis));
  return tiers;
}

// What /metrics pulls from the concrete components at scrape time.
void gatherComponents(const oncegate::FileAuditLog& audit, const Cache& cache,
                      const oncegate::BufferedStderrSink& logs,
                      oncegate::ComponentSamples& samples) {
  const auto auditStats = audit.stats();
  samples.audit.queueDepth = auditStats.recordsWaiting;
  samples.audit.written = auditStats.recordsWritten;
  samples.audit.fsyncDurations = auditStats.fsyncDurations;
  const auto tierSample = [&](oncegate::CacheTier tier, const oncegate::CacheStats& stats) {
    samples.cacheTiers.push_back({std::string(oncegate::cacheTierName(tier)), stats.errors,
                                  stats.timeouts, stats.undecryptable});
  };
  if (cache.tiered != nullptr) tierSample(oncegate::CacheTier::Local, cache.tiered->localStats());
  if (cache.redis != nullptr) tierSample(oncegate::CacheTier::Redis, cache.redis->stats());
  if (cache.memory != nullptr) tierSample(oncegate::CacheTier::Memory, cache.memory->stats());
  samples.logLinesDropped = logs.droppedLines();
}

// With `store:`, the store that keeps this instance on its current version.
struct Store {
  std::unique_ptr<oncegate::ControlStore> store;
  std::unique_ptr<oncegate::StoreSync> sync;
};

// Installs what the process serves first. With `store:`, the store is the source of truth: an
// empty store first receives the YAML directory's documents (validated as a whole) as version 1,
// and the configuration is then built from the store's current documents, whatever the files say
// now. Without it, the files.
Store installStartingConfiguration(const Options& options, oncegate::LiveConfiguration& live) {
  const auto directory = std::filesystem::path(options.configDir);
  auto gateway = oncegate::parseGatewayConfig(
      oncegate::ConfigNode::loadFile(directory / "gateway.yaml"), directory, options.listen);
  Store started;
  if (gateway.store.empty()) {
    std::lock_guard lock(live.changeMutex());
    live.install(live.build(oncegate::loadConfiguration(directory, options.listen), 0, nullptr));
    return started;
  }
  started.store = std::make_unique<oncegate::ControlStore>(gateway.store);
  auto& store = *started.store;
  if (store.empty()) {
    const auto files = oncegate::loadConfiguration(directory, options.listen);
    const auto documents = oncegate::ControlStore::documentsOf(files.documents);
    if (const auto imported =
            store.importIfEmpty(documents, "import", "imported from " + directory.string())) {
      spdlog::info("control store: imported {} documents from {} as version {}", documents.size(),
                   directory.string(), *imported);
    }
  }
  started.sync = std::make_unique<oncegate::StoreSync>(store, std::move(gateway), live);
  started.sync->load();
  return started;
}

}  // namespace

int main(int argc, char** argv) {
  const auto logSink = std::make_shared<oncegate::BufferedStderrSink>();
  auto logger = std::make_shared<spdlog::logger>("oncegate", logSink);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(kLogFlushInterval);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=warn turns the per-request lines off
  struct FlushLogsAtExit {
    ~FlushLogsAtExit() { spdlog::shutdown(); }
  } flushLogsAtExit;
  const auto options = parseOptions(argc, argv);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }

  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    // Declaration order is the lifetime order: each object is destroyed before those declared
    // above it, and every callback an object can still receive comes from objects declared
    // below it or from threads that have stopped. In particular:
    // - the retirer is first, so every snapshot (and the sources it alone holds) is destroyed on
    //   its thread, whoever drops the last reference, and it is the last to go;
    // - the loops come next: the executor closes its completion gate before they go, so a source
    //   that answers late posts nothing into a destroyed loop;
    // - the audit log outlives the request service, whose answers it finishes; those answers
    //   hold only their own state, so they may still finish while the audit log drains.
    oncegate::SnapshotRetirer retirer;
    std::vector<std::string> routes = oncegate::ApiHandler::routes();
    routes.emplace_back(kAdminRoute);
    oncegate::LiveConfiguration live(
        [](const oncegate::SourceConfig& source) {
          return std::shared_ptr<oncegate::Source>(oncegate::makeOdbcSource(source));
        },
        retirer);
    auto [store, sync] = installStartingConfiguration(*options, live);
    // gateway.yaml's settings never change while the process runs (the store does not hold them).
    const oncegate::GatewayConfig gateway = live.current()->config.gateway;
    const auto& httpConfig = gateway.http;
    oncegate::EventLoops loops(httpConfig.threads);
    const Cache caches = makeCache(gateway, loops);
    auto& cache = caches.cache;
    auto* tiered = caches.tiered;
    // What /metrics counts; answers count until the last one, which the audit log may finish.
    oncegate::GatewayStats stats(std::move(routes), cacheTierNames(gateway));
    // With a local tier in front of Redis, the other instances' invalidations must reach it.
    std::unique_ptr<oncegate::RedisPubSubChannel> invalidations;
    if (tiered != nullptr) {
      invalidations = std::make_unique<oncegate::RedisPubSubChannel>(
          *gateway.redis, oncegate::CacheInvalidation::channelFor(gateway.hashKey),
          oncegate::RedisPubSubChannel::Wording{
              "cache invalidations",
              "other instances' local copies expire within cache.local_ttl"});
    }
    oncegate::CacheInvalidation invalidation(
        *cache,
        [tiered](const std::string& keyOrPrefix, bool wholeDataset) {
          tiered->eraseLocal(keyOrPrefix, wholeDataset);
        },
        invalidations.get());
    invalidation.start();
    // The channel's thread calls `invalidation`: it stops before `invalidation` goes.
    struct StopInvalidationsAtExit {
      oncegate::RedisPubSubChannel* channel;
      ~StopInvalidationsAtExit() {
        if (channel != nullptr) channel->stop();
      }
    } stopInvalidationsAtExit{invalidations.get()};
    oncegate::FileAuditLog audit(gateway.audit);
    oncegate::PlanExecutor executor(*cache, gateway.hashKey, &stats);
    oncegate::DataRequestService service(live, executor, audit, &stats);
    oncegate::ApiHandler api(
        live, service, audit, stats,
        [&audit, &caches, &logs = *logSink](oncegate::ComponentSamples& samples) {
          gatherComponents(audit, caches, logs, samples);
        });
    oncegate::AdminRouter admin(live, audit, invalidation, sync.get());
    oncegate::HttpRouter router(api);
    router.add("/admin/v1/", admin, [&stats](unsigned status, std::chrono::nanoseconds took) {
      stats.countRequest(kAdminRoute, status, took);
    });
    // With a store and Redis, a change reaches the other instances at once, not at their poll.
    std::unique_ptr<oncegate::StoreChangeChannel> storeChanges;
    if (sync && gateway.redis) {
      storeChanges = std::make_unique<oncegate::StoreChangeChannel>(
          *gateway.redis, oncegate::StoreChangeChannel::channelFor(gateway.store));
    }
    oncegate::HttpServer server(httpConfig, loops, router);
    server.start();
    loops.start();
    if (sync) sync->start(gateway.storePoll, storeChanges.get());
    spdlog::info("oncegate listening on {}:{} with {} I/O threads, {} sources", httpConfig.host,
                 server.port(), httpConfig.threads, live.current()->sources.all().size());
    spdlog::default_logger()->flush();  // operators and scripts wait for this line

    int received = 0;
    sigwait(&stopSignals, &received);
    spdlog::info("signal {} received: stopping", received);
    // A rolling restart loses no answer: requests being answered finish (each is bounded by
    // request_timeout), idle connections close, and new requests are told to come back.
    const auto unanswered = server.drain(gateway.requestTimeout + kDrainSlack);
    if (unanswered != 0) spdlog::warn("stopped with {} requests unanswered", unanswered);
    // Then every thread that could still start work stops, before anything it uses goes: the
    // store poll, the admin workers (their last calls finish), the I/O loops.
    if (sync) sync->stop();
    admin.stop();
    loops.stop();
  } catch (const oncegate::Error& e) {
    spdlog::critical("{}", e.message());
    if (!e.detail().empty()) spdlog::debug("{}", e.detail());
    return e.code() == oncegate::ErrorCode::InvalidConfig ? 2 : 1;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
  return 0;
}
