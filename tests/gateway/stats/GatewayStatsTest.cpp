#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gateway/stats/GatewayStats.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kRoutes = {"/v1/resolve", "/v1/verify", "/metrics"};

std::string scrapeOf(const GatewayStats& stats, const ComponentSamples& components = {}) {
  std::string out;
  stats.writeScrape(components, out);
  return out;
}

// The value of the one sample named exactly `series` (name and labels), or -1 when absent.
double valueOf(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

TEST(GatewayStatsTest, ConcurrentCountsFromSeveralThreadsAreAllCounted) {
  GatewayStats stats(kRoutes, {"local", "redis"});
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats] {
      for (int i = 0; i < kEach; ++i) {
        stats.countRequest("/v1/resolve", 200, 1ms);
        stats.countFieldOutcome("ok");
        stats.countInflightJoin();
        stats.countRateLimited();
        // Every thread meets the same new datasets at once: their first counts race to add them.
        const std::string dataset = "ds" + std::to_string(i % 10);
        stats.countCacheHit("local", dataset);
        stats.countCacheMiss("redis", dataset);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto scrape = scrapeOf(stats);
  const double total = kThreads * kEach;
  EXPECT_EQ(valueOf(scrape, "oncegate_requests_total{route=\"/v1/resolve\",status=\"200\"}"),
            total);
  EXPECT_EQ(valueOf(scrape, "oncegate_request_duration_seconds_count{route=\"/v1/resolve\"}"),
            total);
  EXPECT_EQ(valueOf(scrape, "oncegate_field_outcomes_total{status=\"ok\"}"), total);
  EXPECT_EQ(valueOf(scrape, "oncegate_inflight_joins_total"), total);
  EXPECT_EQ(valueOf(scrape, "oncegate_rate_limited_total"), total);
  for (int d = 0; d < 10; ++d) {
    const std::string dataset = "dataset=\"ds" + std::to_string(d) + "\"}";
    EXPECT_EQ(valueOf(scrape, "oncegate_cache_hits_total{tier=\"local\"," + dataset), total / 10);
    EXPECT_EQ(valueOf(scrape, "oncegate_cache_misses_total{tier=\"redis\"," + dataset), total / 10);
    EXPECT_EQ(valueOf(scrape, "oncegate_cache_hits_total{tier=\"redis\"," + dataset), 0);
  }
}

TEST(GatewayStatsTest, UnknownRoutesStatusesAndFieldStatusesCountAsOther) {
  GatewayStats stats(kRoutes, {"memory"});
  stats.countRequest("/v1/nope/42", 404, 1ms);  // a client's path never becomes a label
  stats.countRequest("/v1/verify", 418, 1ms);
  stats.countFieldOutcome("something_new");
  const auto scrape = scrapeOf(stats);
  EXPECT_EQ(valueOf(scrape, "oncegate_requests_total{route=\"other\",status=\"404\"}"), 1);
  EXPECT_EQ(valueOf(scrape, "oncegate_requests_total{route=\"/v1/verify\",status=\"other\"}"), 1);
  EXPECT_EQ(valueOf(scrape, "oncegate_field_outcomes_total{status=\"other\"}"), 1);
  EXPECT_EQ(scrape.find("/v1/nope"), std::string::npos);
  EXPECT_EQ(scrape.find("418"), std::string::npos);
  EXPECT_EQ(scrape.find("something_new"), std::string::npos);
}

TEST(GatewayStatsTest, DatasetsPastTheBoundShareOneSeries) {
  GatewayStats stats(kRoutes, {"memory"}, 2);
  stats.countCacheHit("memory", "a");
  stats.countCacheHit("memory", "b");
  stats.countCacheHit("memory", "c");
  stats.countCacheMiss("memory", "d");
  stats.countCacheHit("memory", "a");
  stats.countCacheHit("unconfigured-tier", "a");
  const auto scrape = scrapeOf(stats);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_hits_total{tier=\"memory\",dataset=\"a\"}"), 2);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_hits_total{tier=\"memory\",dataset=\"b\"}"), 1);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_hits_total{tier=\"memory\",dataset=\"(other)\"}"), 1);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_misses_total{tier=\"memory\",dataset=\"(other)\"}"), 1);
  EXPECT_EQ(scrape.find("dataset=\"c\""), std::string::npos);
  EXPECT_EQ(scrape.find("unconfigured-tier"), std::string::npos);
}

// Every declared family, in declaration order, each under one HELP and one TYPE.
TEST(GatewayStatsTest, AScrapeWritesEveryDeclaredFamilyOnceInOrder) {
  GatewayStats stats(kRoutes, {"memory"});
  const auto scrape = scrapeOf(stats);
  std::vector<std::string> helped;
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# HELP ")) helped.push_back(line.substr(7, line.find(' ', 7) - 7));
  }
  std::vector<std::string> declared;
  for (const auto* family : metric::kAllFamilies) declared.emplace_back(family->name);
  EXPECT_EQ(helped, declared);
}

// The Sentinel series exist only when the gateway follows a Sentinel master: a standalone
// Redis has no master to know, and a 0 there would read as an alert.
TEST(GatewayStatsTest, SentinelSeriesAppearOnlyWithASentinelSample) {
  GatewayStats stats(kRoutes, {"redis"});
  EXPECT_EQ(valueOf(scrapeOf(stats), "oncegate_redis_master_known"), -1);
  ComponentSamples components;
  components.redisSentinel = RedisSentinelSample{2, true};
  const auto scrape = scrapeOf(stats, components);
  EXPECT_EQ(valueOf(scrape, "oncegate_redis_master_switches_total"), 2);
  EXPECT_EQ(valueOf(scrape, "oncegate_redis_master_known"), 1);
}

ComponentSamples fullyPopulated() {
  ComponentSamples components;
  components.configVersion = 42;
  for (const char* id : {"hr", "tax \"office\"\\2"}) {
    SourceSample source;
    source.id = id;
    source.queries = 1000;
    source.failures = 12;
    source.timeouts = 3;
    source.shortCircuited = 7;
    source.connects = 4;
    source.inUse = 2;
    source.queued = 5;
    source.breakerOpen = source.id == "hr";
    LatencyHistogram durations;
    for (std::chrono::microseconds d : {200us, 2000us, 40000us, 3000000us, 20000000us})
      durations.observe(d);
    source.durations = durations.snapshot();
    components.sources.push_back(source);
  }
  components.cacheTiers = {{"local", 0, 0, 0}, {"redis", 9, 2, 4}};
  components.redisCluster = RedisClusterSample{5, 2, 7};
  components.redisSentinel = RedisSentinelSample{3, true};
  components.audit.queueDepth = 17;
  components.audit.written = 123456;
  LatencyHistogram fsyncs;
  for (std::chrono::microseconds d : {300us, 1000us, 8000us}) fsyncs.observe(d);
  components.audit.fsyncDurations = fsyncs.snapshot();
  return components;
}

// promtool reads a scrape as Prometheus does and lints names, types, HELP and histograms: any
// complaint fails the test.
TEST(GatewayStatsTest, AFullyPopulatedScrapePassesPromtool) {
  GatewayStats stats(kRoutes, {"local", "redis"});
  for (unsigned status : {200U, 400U, 404U, 429U, 503U, 599U}) {
    stats.countRequest("/v1/resolve", status, 3ms);
  }
  stats.countRequest("/metrics", 200, 150us);
  stats.countRequest("/elsewhere", 404, 50us);
  for (const char* status : {"ok", "not_found", "denied", "refused", "bogus"}) {
    stats.countFieldOutcome(status);
  }
  stats.countRateLimited();
  stats.countInflightJoin();
  stats.countCacheHit("local", "hr.person");
  stats.countCacheMiss("local", "hr.person");
  stats.countCacheHit("redis", "tax\nreturn");
  const auto scrape = scrapeOf(stats, fullyPopulated());

  const auto file = std::filesystem::temp_directory_path() /
                    ("oncegate-scrape-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << scrape;
  const std::string command =
      std::string(ONCEGATE_PROMTOOL) + " check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string complaints;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) complaints += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << complaints << "\n--- scrape:\n" << scrape;
  EXPECT_EQ(complaints, "") << scrape;
}

// The Cluster's counters appear only with a cache on a Cluster (no series at all otherwise).
TEST(GatewayStatsTest, ClusterRedirectsAndMapRefreshesAreWrittenWhenSampled) {
  GatewayStats stats(kRoutes, {"redis"});
  EXPECT_EQ(valueOf(scrapeOf(stats), "oncegate_cache_cluster_moved_total"), -1);
  const auto scrape = scrapeOf(stats, fullyPopulated());
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_cluster_moved_total"), 5);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_cluster_ask_total"), 2);
  EXPECT_EQ(valueOf(scrape, "oncegate_cache_cluster_map_refreshes_total"), 7);
}

}  // namespace
}  // namespace oncegate
