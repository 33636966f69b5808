// oncegate: the gateway process and its composition root, the one place that names concrete
// types (ODBC sources, Redis or in-process cache, the audit file) and wires them together.

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
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
#include "connectors/postgresql/PostgresLoops.h"
#include "gateway/admin/AdminRouter.h"
#include "gateway/api/ApiHandler.h"
#include "gateway/audit/AuditCheckpointSigner.h"
#include "gateway/audit/FileAuditLog.h"
#include "gateway/audit/RefusalTally.h"
#include "gateway/auditstore/AuditShipper.h"
#include "gateway/cache/CacheInvalidation.h"
#include "gateway/cache/CacheValueCipher.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/RedisBlockingClient.h"
#include "gateway/cache/RedisCache.h"
#include "gateway/cache/RedisClusterCache.h"
#include "gateway/cache/RedisPubSubChannel.h"
#include "gateway/cache/TieredCache.h"
#include "gateway/config/Configuration.h"
#include "gateway/console/ConsoleHandler.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpRouter.h"
#include "gateway/http/HttpServer.h"
#include "gateway/http/NotFoundHandler.h"
#include "gateway/http/TlsServerContext.h"
#include "gateway/logging/BufferedStderrSink.h"
#include "gateway/runtime/AdminSecurityReload.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"
#include "gateway/service/AccessListing.h"
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
  const oncegate::RedisClusterCache* cluster = nullptr;  // instead of `redis` on a Cluster
};

Cache makeCache(const oncegate::GatewayConfig& config, oncegate::EventLoops& loops) {
  const auto& local = config.localCache;
  if (!config.redis) {
    auto memory = std::make_unique<oncegate::MemoryCache>(local.entries);
    const auto* tier = memory.get();
    return {std::move(memory), nullptr, nullptr, tier};
  }
  const auto& endpoint = *config.redis;
  const bool cluster = endpoint.topology == oncegate::RedisEndpoint::Topology::Cluster;
  // On a Cluster, the login is checked on the first seed (every node has the same users).
  const auto checked =
      cluster ? oncegate::RedisClusterCache::nodeEndpoint(endpoint, endpoint.seeds.front())
              : endpoint;
  // A refused login (wrong password) stops the start here: otherwise every lookup would miss,
  // forever, with nothing but a log line to say why. Redis merely down is waited for instead.
  try {
    oncegate::RedisBlockingClient::checkLogin(checked, kRedisLoginCheckTimeout);
  } catch (const oncegate::Error& e) {
    if (e.code() == oncegate::ErrorCode::InvalidConfig) throw;
    spdlog::warn("redis cache {} not reachable at startup ({}); serving misses until it is",
                 endpoint.topology == oncegate::RedisEndpoint::Topology::Sentinel
                     ? "(Sentinel master " + endpoint.masterName + ")"
                     : checked.host + ":" + std::to_string(checked.port),
                 e.detail());
  }
  auto cipher = std::make_shared<const oncegate::CacheValueCipher>(config.cacheEncryptionKeys);
  Cache out;
  std::unique_ptr<oncegate::DatasetCache> shared;
  if (cluster) {
    auto redis =
        std::make_unique<oncegate::RedisClusterCache>(endpoint, loops.all(), kRedisTimeout, cipher);
    out.cluster = redis.get();
    shared = std::move(redis);
  } else {
    auto redis =
        std::make_unique<oncegate::RedisCache>(endpoint, loops.all(), kRedisTimeout, cipher);
    out.redis = redis.get();
    shared = std::move(redis);
  }
  if (!local.enabled) {
    out.cache = std::move(shared);
    return out;
  }
  auto tiered =
      std::make_unique<oncegate::TieredCache>(std::move(shared), local.entries, local.ttl);
  out.tiered = tiered.get();
  out.cache = std::move(tiered);
  return out;
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
void gatherComponents(const oncegate::FileAuditLog& audit, const oncegate::AuditShipper* shipper,
                      const Cache& cache, const oncegate::BufferedStderrSink& logs,
                      oncegate::ComponentSamples& samples) {
  const auto auditStats = audit.stats();
  samples.audit.queueDepth = auditStats.recordsWaiting;
  samples.audit.written = auditStats.recordsWritten;
  samples.audit.fsyncDurations = auditStats.fsyncDurations;
  if (shipper != nullptr) {
    const auto shipping = shipper->stats();
    samples.audit.shipBacklogBytes = shipping.backlogBytes;
    samples.audit.shipLagSeconds = shipping.lagSeconds;
    samples.audit.shippedRecords = shipping.shippedRecords;
    samples.audit.shipFailures = shipping.failures;
    samples.audit.shipHalted = shipping.halted;
  }
  const auto tierSample = [&](oncegate::CacheTier tier, const oncegate::CacheStats& stats) {
    samples.cacheTiers.push_back({std::string(oncegate::cacheTierName(tier)), stats.errors,
                                  stats.timeouts, stats.undecryptable});
  };
  if (cache.tiered != nullptr) tierSample(oncegate::CacheTier::Local, cache.tiered->localStats());
  if (cache.redis != nullptr) tierSample(oncegate::CacheTier::Redis, cache.redis->stats());
  if (cache.cluster != nullptr) {
    tierSample(oncegate::CacheTier::Redis, cache.cluster->stats());
    const auto followed = cache.cluster->clusterStats();
    samples.redisCluster = {followed.moved, followed.asked, followed.mapRefreshes};
  }
  if (cache.redis != nullptr && cache.redis->sentinel() != nullptr) {
    samples.redisSentinel = {cache.redis->sentinel()->switches(),
                             cache.redis->sentinel()->masterKnown()};
  }
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
  std::vector<oncegate::StoredDocument> operatorDocuments;
  if (store.empty()) {
    const auto files = oncegate::loadConfiguration(directory, options.listen);
    operatorDocuments = oncegate::ControlStore::documentsOf(files.documents);
    if (const auto imported = store.importIfEmpty(operatorDocuments, "import",
                                                  "imported from " + directory.string())) {
      spdlog::info("control store: imported {} documents from {} as version {}",
                   operatorDocuments.size(), directory.string(), *imported);
    }
  } else {
    // Only to tell which store documents the operator's files vouch for (their ${...}
    // references all resolve); the store, not the files, is the configuration in force.
    try {
      operatorDocuments = oncegate::ControlStore::documentsOf(
          oncegate::loadConfiguration(directory, options.listen).documents);
    } catch (const oncegate::Error& e) {
      spdlog::warn(
          "the files in {} do not load ({}): store documents resolve only the references "
          "admin.secrets binds",
          directory.string(), e.message());
    }
  }
  started.sync = std::make_unique<oncegate::StoreSync>(store, std::move(gateway), live,
                                                       std::move(operatorDocuments));
  started.sync->load();
  return started;
}

// The listeners' TLS context, or null for plain HTTP.
std::shared_ptr<const oncegate::TlsServerContext> tlsContextOf(
    const oncegate::GatewayConfig& gateway) {
  if (!gateway.tls) return nullptr;
  return std::make_shared<const oncegate::TlsServerContext>(*gateway.tls);
}

// SIGHUP: tls: of gateway.yaml is read again (certificate, key, client CA) and new connections on
// every listener use it; open connections keep theirs. A reload that fails changes nothing.
// Turning TLS on or off takes a restart: a listener's scheme is what clients were told.
void reloadTls(const Options& options, const oncegate::GatewayConfig& running,
               const std::vector<oncegate::HttpServer*>& servers) {
  if (!running.tls) return;
  try {
    const auto directory = std::filesystem::path(options.configDir);
    const auto reread = oncegate::parseGatewayConfig(
        oncegate::ConfigNode::loadFile(directory / "gateway.yaml"), directory, options.listen);
    if (!reread.tls) {
      spdlog::error(
          "TLS reload: gateway.yaml has no tls: any more; the previous certificate stays in "
          "force (turning TLS off takes a restart)");
      return;
    }
    const auto context = tlsContextOf(reread);
    for (auto* server : servers) {
      if (server != nullptr) server->replaceTls(context);
    }
    spdlog::info("TLS reload: new connections use the certificate, key and client CA read now");
  } catch (const oncegate::Error& e) {
    spdlog::error("TLS reload failed, the previous certificate stays in force: {}", e.message());
  } catch (const std::exception& e) {
    spdlog::error("TLS reload failed, the previous certificate stays in force: {}", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop and reload signals before any thread starts (the log sink's and spdlog's
  // flusher are the first), so that only sigwait below receives them: Linux hands a process's
  // signal to any thread that does not block it, and SIGHUP's default action ends the process.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGHUP);  // reloads (below), never stops
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

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
    // `postgresql:` sources run on the I/O loops once these start (see PostgresSource).
    const auto postgresLoops = std::make_shared<oncegate::PostgresLoops>();
    oncegate::LiveConfiguration live(
        [postgresLoops](const oncegate::SourceConfig& source) {
          return oncegate::SourceSet::open(source, postgresLoops);
        },
        retirer);
    auto [store, sync] = installStartingConfiguration(*options, live);
    // gateway.yaml's settings never change while the process runs (the store does not hold them).
    const oncegate::GatewayConfig gateway = live.current()->config.gateway;
    const auto& httpConfig = gateway.http;
    oncegate::EventLoops loops(httpConfig.threads);
    // Once the loop threads have stopped, and before their io_contexts go (also when an exception
    // unwinds this block), the PostgreSQL sources close their connections and socket waits there.
    struct PostgresLoopsStop {
      oncegate::EventLoops& loops;
      oncegate::PostgresLoops& postgres;
      ~PostgresLoopsStop() {
        loops.stop();
        postgres.stop();
      }
    } postgresLoopsStop{loops, *postgresLoops};
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
    // Checkpoints are signed with the key that signs answers when the process starts; a key
    // rotated in by SIGHUP signs answers at once and checkpoints from the next start (the old key
    // stays published while it is configured, so both verify).
    std::optional<oncegate::AuditCheckpointSigner> checkpointSigner;
    if (gateway.signing) {
      checkpointSigner = oncegate::AuditCheckpointSigner{gateway.signing->signingKeyId,
                                                         gateway.signing->signingKey};
    }
    // With audit.store, ships the trail to the central audit record. It only reads the file, so
    // it is declared before the audit log and outlives it: the records the log writes while it
    // closes (the last answers') are in the file when the shipper stops, and it ships them,
    // within AuditShipper::kStopBound (what is left ships at the next start). It starts once the
    // log holds the file's lock: never beside another process writing the same trail.
    std::unique_ptr<oncegate::AuditShipper> shipper;
    oncegate::FileAuditLog audit(gateway.audit, std::move(checkpointSigner));
    if (!gateway.audit.store.empty()) {
      oncegate::AuditShipper::Options shipping;
      shipping.store = gateway.audit.store;
      shipping.instance = gateway.audit.instance;
      shipping.path = gateway.audit.path;
      shipping.hashKey = gateway.hashKey;
      shipper = std::make_unique<oncegate::AuditShipper>(std::move(shipping));
    }
    // Counts 401s for the audit log (one record per address and interval): destroyed before
    // it, writing what it counted, and after the handlers that count.
    oncegate::RefusalTally refusals(audit);
    // The server below, for /metrics; set before the loops start, so before any scrape.
    const oncegate::HttpServer* listening = nullptr;
    oncegate::PlanExecutor executor(*cache, gateway.hashKey, &stats);
    oncegate::DataRequestService service(live, executor, audit, &stats);
    // Its threads answer through the service and the audit log, which outlive it; at shutdown
    // it answers what still waits before they go.
    oncegate::AccessListing accesses(service);
    oncegate::ApiHandler api(live, service, accesses, audit, refusals, stats,
                             [&audit, &shipper, &caches, &logs = *logSink,
                              &listening](oncegate::ComponentSamples& samples) {
                               gatherComponents(audit, shipper.get(), caches, logs, samples);
                               if (listening != nullptr) {
                                 const auto counts = listening->counts();
                                 samples.listener = {counts.connections, counts.inFlight,
                                                     counts.connectionsRefused, counts.requestsShed,
                                                     counts.acceptErrors};
                               }
                             });
    oncegate::AdminRouter admin(live, audit, refusals, invalidation, sync.get());
    const auto countAdmin = [&stats](unsigned status, std::chrono::nanoseconds took) {
      stats.countRequest(kAdminRoute, status, took);
    };
    // With admin_listen, /admin/v1/ is served on that address only (the main listener answers
    // it 404, as any unknown path), and that address serves nothing of the data API but the
    // health endpoints, so that a probe can tell that it is up.
    // The web console goes where /admin/v1/ goes: it is of use only where that answers.
    oncegate::ConsoleHandler console;
    oncegate::HttpRouter router(api);
    oncegate::NotFoundHandler notFound;
    oncegate::HttpRouter adminOnly(notFound);
    if (gateway.adminListen) {
      adminOnly.add("/admin/v1/", admin, countAdmin);
      adminOnly.add("/console", console);
      adminOnly.add("/healthz", api);
      adminOnly.add("/readyz", api);
    } else {
      router.add("/admin/v1/", admin, countAdmin);
      router.add("/console", console);
    }
    // With a store and Redis, a change reaches the other instances at once, not at their poll.
    std::unique_ptr<oncegate::StoreChangeChannel> storeChanges;
    if (sync && gateway.redis) {
      storeChanges = std::make_unique<oncegate::StoreChangeChannel>(
          *gateway.redis, oncegate::StoreChangeChannel::channelFor(gateway.store));
    }
    const auto tls = tlsContextOf(gateway);
    oncegate::HttpServer server(httpConfig, loops, router, tls);
    server.start();
    std::unique_ptr<oncegate::HttpServer> adminServer;
    if (gateway.adminListen) {
      auto adminConfig = httpConfig;
      adminConfig.host = gateway.adminListen->host;
      adminConfig.port = gateway.adminListen->port;
      adminServer = std::make_unique<oncegate::HttpServer>(adminConfig, loops, adminOnly, tls);
      adminServer->start();
    }
    listening = &server;
    postgresLoops->start(loops.all(), &oncegate::EventLoops::current);
    loops.start();
    if (sync) sync->start(gateway.storePoll, storeChanges.get());
    if (adminServer) {
      spdlog::info("oncegate admin listener on {}:{}", gateway.adminListen->host,
                   adminServer->port());
    }
    spdlog::info("oncegate listening on {}:{} ({}) with {} I/O threads, {} sources",
                 httpConfig.host, server.port(), tls ? "https" : "http", httpConfig.threads,
                 live.current()->sources.all().size());
    spdlog::default_logger()->flush();  // operators and scripts wait for this line

    oncegate::AdminSecurityReload adminSecurityReload(live, options->configDir);
    int received = 0;
    while (sigwait(&stopSignals, &received) == 0 && received == SIGHUP) {
      spdlog::info("SIGHUP received: reloading");
      adminSecurityReload.reload();  // gateway.yaml's admin: tokens and secrets bindings
      reloadTls(*options, gateway, {&server, adminServer.get()});  // new connections only
      spdlog::default_logger()->flush();
    }
    spdlog::info("signal {} received: stopping", received);
    // A rolling restart loses no answer: requests being answered finish (each is bounded by
    // request_timeout), idle connections close, and new requests are told to come back. Both
    // listeners drain at once.
    const auto grace = gateway.requestTimeout + kDrainSlack;
    auto adminUnanswered = std::async(std::launch::async, [&adminServer, grace]() -> std::size_t {
      return adminServer ? adminServer->drain(grace) : 0;
    });
    const auto unanswered = server.drain(grace) + adminUnanswered.get();
    if (unanswered != 0) spdlog::warn("stopped with {} requests unanswered", unanswered);
    // Then every thread that could still start work stops, before anything it uses goes: the
    // store poll, the admin workers (their last calls finish), the I/O loops.
    if (sync) sync->stop();
    admin.stop();
    accesses.stop();
    loops.stop();
    postgresLoops->stop();
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
