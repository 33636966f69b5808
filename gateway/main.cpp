// oncegate: the gateway process and its composition root, the one place that names concrete
// types (ODBC sources, Redis or in-process cache, the audit file) and wires them together.

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/Error.h"
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
    auto config = oncegate::loadConfiguration(options->configDir, options->listen);
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
    auto snapshot =
        std::make_shared<const oncegate::GatewaySnapshot>(std::move(config), std::move(sources));
    oncegate::AdminApi admin(audit, makeSource);
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
