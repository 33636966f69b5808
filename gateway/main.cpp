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
#include "gateway/BufferedStderrSink.h"
#include "gateway/Configuration.h"
#include "gateway/GatewaySnapshot.h"
#include "gateway/PlanExecutor.h"
#include "gateway/admin/AdminApi.h"
#include "gateway/api/ApiHandler.h"
#include "gateway/audit/FileAuditLog.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/cache/RedisCache.h"
#include "gateway/cache/TieredCache.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpServer.h"
#include "gateway/store/ControlStore.h"

namespace {

constexpr std::string_view kUsage =
    "usage: oncegate --config DIR [--listen HOST:PORT]\n"
    "  --config DIR        directory holding gateway.yaml and the files it includes\n"
    "  --listen HOST:PORT  overrides listen: in gateway.yaml\n";

// Request lines reach stderr within this interval; warnings and errors at once.
constexpr std::chrono::seconds kLogFlushInterval{1};

// How long a Redis round trip may take before the request treats it as misses.
constexpr std::chrono::milliseconds kRedisTimeout{100};

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

std::unique_ptr<oncegate::DatasetCache> makeCache(const oncegate::GatewayConfig& config,
                                                  oncegate::EventLoops& loops) {
  const auto& local = config.localCache;
  if (!config.redis) return std::make_unique<oncegate::MemoryCache>(local.entries);
  auto endpoint = oncegate::RedisEndpoint::parse(*config.redis);
  if (!endpoint) {
    throw oncegate::Error(oncegate::ErrorCode::InvalidConfig,
                          "redis: expected redis://[:password@]host:port[/db]");
  }
  auto redis = std::make_unique<oncegate::RedisCache>(*endpoint, loops.all(), kRedisTimeout);
  if (!local.enabled) return redis;
  return std::make_unique<oncegate::TieredCache>(std::move(redis), local.entries, local.ttl);
}

// The configuration to serve, and the control store version it was read at (0 without a store).
struct StartingConfiguration {
  oncegate::Configuration config;
  std::uint64_t version = 0;
};

// With `store:`, the store is the source of truth: an empty store first receives the YAML
// directory's documents (validated as a whole) as version 1, and the configuration is then built
// from the store's current documents, whatever the files say now. Without it, the files.
StartingConfiguration startingConfiguration(const Options& options,
                                            std::unique_ptr<oncegate::ControlStore>& store) {
  const auto directory = std::filesystem::path(options.configDir);
  auto gateway = oncegate::parseGatewayConfig(
      oncegate::ConfigNode::loadFile(directory / "gateway.yaml"), directory, options.listen);
  if (gateway.store.empty()) {
    return {oncegate::loadConfiguration(directory, options.listen), 0};
  }
  store = std::make_unique<oncegate::ControlStore>(gateway.store);
  if (store->empty()) {
    const auto files = oncegate::loadConfiguration(directory, options.listen);
    std::vector<oncegate::StoredDocument> documents;
    for (const auto& document : files.documents) {
      oncegate::StoredDocument stored;
      stored.kind = document.kind;
      stored.id = document.id;
      oncegate::JsonWriter json(stored.body);
      oncegate::writeYamlAsJson(document.body.yaml(), json);
      documents.push_back(std::move(stored));
    }
    if (const auto imported =
            store->importIfEmpty(documents, "import", "imported from " + directory.string())) {
      spdlog::info("control store: imported {} documents from {} as version {}", documents.size(),
                   directory.string(), *imported);
    }
  }
  // The version is read first: should another instance change the store in between, this one
  // claims the older version and catches up, rather than claiming what it does not serve.
  const auto version = store->version();
  auto current = store->current();
  // In the order the files list kinds (sources first), so that messages read the same way.
  const auto& kinds = oncegate::ControlStore::kinds();
  const auto rank = [&](const oncegate::StoredDocument& stored) {
    return std::find(kinds.begin(), kinds.end(), stored.kind) - kinds.begin();
  };
  std::stable_sort(current.begin(), current.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::vector<oncegate::ConfigDocument> documents;
  for (const auto& stored : current) {
    documents.push_back(oncegate::ConfigDocument{
        stored.kind, stored.id,
        oncegate::ConfigNode::parse(stored.body, "store:" + stored.kind + "/" + stored.id)});
  }
  spdlog::info("control store: serving version {} ({} documents)", version, documents.size());
  return {oncegate::buildConfiguration(std::move(gateway), std::move(documents)), version};
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = std::make_shared<spdlog::logger>("oncegate",
                                                 std::make_shared<oncegate::BufferedStderrSink>());
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
    std::unique_ptr<oncegate::ControlStore> store;
    auto [config, version] = startingConfiguration(*options, store);
    const auto httpConfig = config.gateway.http;
    oncegate::EventLoops loops(httpConfig.threads);
    auto cache = makeCache(config.gateway, loops);
    oncegate::FileAuditLog audit(config.gateway.audit);
    const oncegate::AdminApi::SourceFactory makeSource = [](const oncegate::SourceConfig& source) {
      return std::shared_ptr<oncegate::Source>(oncegate::makeOdbcSource(source));
    };
    oncegate::SourceSet sources;
    for (const auto& source : config.sources) sources.add(makeSource(source));
    oncegate::PlanExecutor executor(*cache, config.gateway.hashKey);
    auto snapshot = std::make_shared<const oncegate::GatewaySnapshot>(std::move(config),
                                                                      std::move(sources), version);
    oncegate::AdminApi admin(audit, makeSource, store.get());
    oncegate::ApiHandler api(snapshot, executor, audit, &admin);
    oncegate::HttpServer server(httpConfig, loops, api);
    server.start();
    loops.start();
    spdlog::info("oncegate listening on {}:{} with {} I/O threads, {} sources", httpConfig.host,
                 server.port(), httpConfig.threads, snapshot->sources.all().size());
    spdlog::default_logger()->flush();  // operators and scripts wait for this line

    int received = 0;
    sigwait(&stopSignals, &received);
    spdlog::info("signal {} received: stopping", received);
    server.stopAccepting();
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
