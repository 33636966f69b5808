#include "gateway/stats/GatewayStats.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "common/Error.h"
#include "gateway/stats/PrometheusTextWriter.h"

namespace oncegate {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

std::size_t statusIndex(unsigned status) {
  const auto* found = std::find(metric::kHttpStatuses.begin(), metric::kHttpStatuses.end(), status);
  return static_cast<std::size_t>(found - metric::kHttpStatuses.begin());  // size(): "other"
}

}  // namespace

GatewayStats::GatewayStats(std::vector<std::string> routes, std::vector<std::string> cacheTiers,
                           std::size_t maxDatasets)
    : routes_(std::move(routes)),
      routeCounters_(std::make_unique<RouteCounters[]>(routes_.size() + 1)),
      cacheTiers_(std::move(cacheTiers)),
      maxDatasets_(maxDatasets) {
  if (cacheTiers_.size() > kMaxCacheTiers) {
    throw Error(
        ErrorCode::Internal, "too many cache tiers for /metrics",
        std::to_string(cacheTiers_.size()) + " tiers, at most " + std::to_string(kMaxCacheTiers));
  }
}

GatewayStats::RouteCounters& GatewayStats::routeCounters(std::string_view route) {
  // A linear scan: about ten short templates, cheaper than hashing the path.
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i] == route) return routeCounters_[i];
  }
  return routeCounters_[routes_.size()];
}

void GatewayStats::countRequest(std::string_view route, unsigned status,
                                std::chrono::nanoseconds duration) {
  auto& counters = routeCounters(route);
  counters.byStatus[statusIndex(status)].fetch_add(1, kRelaxed);
  counters.duration.observe(duration);
}

void GatewayStats::countRateLimited() { rateLimited_.fetch_add(1, kRelaxed); }

void GatewayStats::countInflightJoin() { inflightJoins_.fetch_add(1, kRelaxed); }

void GatewayStats::countFieldOutcome(std::string_view status) {
  const auto* found =
      std::find(metric::kFieldStatuses.begin(), metric::kFieldStatuses.end(), status);
  fieldOutcomes_[static_cast<std::size_t>(found - metric::kFieldStatuses.begin())].fetch_add(
      1, kRelaxed);
}

GatewayStats::DatasetCounters& GatewayStats::datasetCounters(std::string_view dataset) {
  {
    std::shared_lock lock(datasetsMutex_);
    if (auto found = datasets_.find(dataset); found != datasets_.end()) return *found->second;
  }
  std::unique_lock lock(datasetsMutex_);
  if (auto found = datasets_.find(dataset); found != datasets_.end()) return *found->second;
  if (datasets_.size() >= maxDatasets_) return otherDatasets_;
  auto& added = datasets_[std::string(dataset)];
  added = std::make_unique<DatasetCounters>();
  return *added;
}

void GatewayStats::countCache(std::string_view tier, std::string_view dataset, bool hit) {
  for (std::size_t i = 0; i < cacheTiers_.size(); ++i) {
    if (cacheTiers_[i] != tier) continue;
    auto& counters = datasetCounters(dataset);
    (hit ? counters.hits : counters.misses)[i].fetch_add(1, kRelaxed);
    return;
  }
}

void GatewayStats::countCacheHit(std::string_view tier, std::string_view dataset) {
  countCache(tier, dataset, true);
}

void GatewayStats::countCacheMiss(std::string_view tier, std::string_view dataset) {
  countCache(tier, dataset, false);
}

void GatewayStats::writeRequests(PrometheusTextWriter& writer) const {
  // A route x status series appears once it has something to count: most of the pairs never do.
  writer.begin(metric::kRequests);
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    const std::string_view route = r < routes_.size() ? routes_[r] : metric::kOtherRoute;
    const auto& counters = routeCounters_[r];
    for (std::size_t s = 0; s < counters.byStatus.size(); ++s) {
      const auto count = counters.byStatus[s].load(kRelaxed);
      if (count == 0) continue;
      const std::string status = s < metric::kHttpStatuses.size()
                                     ? std::to_string(metric::kHttpStatuses[s])
                                     : std::string(metric::kOtherStatus);
      writer.counter({route, status}, count);
    }
  }
  writer.begin(metric::kRequestDuration);
  for (std::size_t r = 0; r <= routes_.size(); ++r) {
    const auto snapshot = routeCounters_[r].duration.snapshot();
    if (snapshot.count == 0) continue;
    writer.histogram({r < routes_.size() ? routes_[r] : metric::kOtherRoute}, snapshot);
  }
  writer.begin(metric::kRateLimited);
  writer.counter({}, rateLimited_.load(kRelaxed));
  writer.begin(metric::kFieldOutcomes);
  for (std::size_t s = 0; s < fieldOutcomes_.size(); ++s) {
    const auto count = fieldOutcomes_[s].load(kRelaxed);
    if (count == 0) continue;
    writer.counter(
        {s < metric::kFieldStatuses.size() ? metric::kFieldStatuses[s] : metric::kOtherStatus},
        count);
  }
  writer.begin(metric::kInflightJoins);
  writer.counter({}, inflightJoins_.load(kRelaxed));
}

void GatewayStats::writeCache(const ComponentSamples& components,
                              PrometheusTextWriter& writer) const {
  // Copied out under the shared lock, sorted so that a dataset's series keep their place.
  std::map<std::string, const DatasetCounters*, std::less<>> datasets;
  bool overflowed = false;
  {
    std::shared_lock lock(datasetsMutex_);
    for (const auto& [name, counters] : datasets_) datasets.emplace(name, counters.get());
    overflowed = datasets_.size() >= maxDatasets_;
  }
  for (const bool hits : {true, false}) {
    writer.begin(hits ? metric::kCacheHits : metric::kCacheMisses);
    const auto write = [&](std::string_view dataset, const DatasetCounters& counters) {
      for (std::size_t t = 0; t < cacheTiers_.size(); ++t) {
        writer.counter({cacheTiers_[t], dataset},
                       (hits ? counters.hits : counters.misses)[t].load(kRelaxed));
      }
    };
    for (const auto& [name, counters] : datasets) write(name, *counters);
    if (overflowed) write(metric::kOtherDatasets, otherDatasets_);
  }
  writer.begin(metric::kCacheErrors);
  for (const auto& tier : components.cacheTiers) writer.counter({tier.tier}, tier.errors);
  writer.begin(metric::kCacheTimeouts);
  for (const auto& tier : components.cacheTiers) writer.counter({tier.tier}, tier.timeouts);
  writer.begin(metric::kCacheUndecryptable);
  for (const auto& tier : components.cacheTiers) writer.counter({tier.tier}, tier.undecryptable);
  const auto& cluster = components.redisCluster;
  writer.begin(metric::kCacheClusterMoved);
  if (cluster) writer.counter({}, cluster->moved);
  writer.begin(metric::kCacheClusterAsk);
  if (cluster) writer.counter({}, cluster->asked);
  writer.begin(metric::kCacheClusterMapRefreshes);
  if (cluster) writer.counter({}, cluster->mapRefreshes);
  writer.begin(metric::kRedisMasterSwitches);
  if (components.redisSentinel) writer.counter({}, components.redisSentinel->masterSwitches);
  writer.begin(metric::kRedisMasterKnown);
  if (components.redisSentinel) writer.gauge({}, components.redisSentinel->masterKnown ? 1.0 : 0.0);
}

void GatewayStats::writeScrape(const ComponentSamples& components, std::string& out) const {
  PrometheusTextWriter writer(out);
  writeRequests(writer);
  writer.begin(metric::kConnectionsOpen);
  writer.gauge({}, static_cast<double>(components.listener.connections));
  writer.begin(metric::kRequestsInFlight);
  writer.gauge({}, static_cast<double>(components.listener.inFlight));
  writer.begin(metric::kConnectionsRefused);
  writer.counter({}, components.listener.connectionsRefused);
  writer.begin(metric::kRequestsShed);
  writer.counter({}, components.listener.requestsShed);
  writer.begin(metric::kAcceptErrors);
  writer.counter({}, components.listener.acceptErrors);
  writeCache(components, writer);
  const auto perSource = [&](const MetricFamily& family, auto value) {
    writer.begin(family);
    for (const auto& source : components.sources) {
      if (family.type == MetricType::Counter) {
        writer.counter({source.id}, static_cast<std::uint64_t>(value(source)));
      } else {
        writer.gauge({source.id}, static_cast<double>(value(source)));
      }
    }
  };
  perSource(metric::kSourceQueries, [](const SourceSample& s) { return s.queries; });
  perSource(metric::kSourceFailures, [](const SourceSample& s) { return s.failures; });
  perSource(metric::kSourceTimeouts, [](const SourceSample& s) { return s.timeouts; });
  perSource(metric::kSourceShortCircuited, [](const SourceSample& s) { return s.shortCircuited; });
  perSource(metric::kSourceConnects, [](const SourceSample& s) { return s.connects; });
  writer.begin(metric::kSourceQueryDuration);
  for (const auto& source : components.sources) writer.histogram({source.id}, source.durations);
  perSource(metric::kSourceConnectionsInUse, [](const SourceSample& s) { return s.inUse; });
  perSource(metric::kSourceQueueDepth, [](const SourceSample& s) { return s.queued; });
  perSource(metric::kSourceBreakerOpen,
            [](const SourceSample& s) { return s.breakerOpen ? 1U : 0U; });
  perSource(metric::kSourceDown, [](const SourceSample& s) { return s.down ? 1U : 0U; });
  perSource(metric::kSourceAbandonedWorkers, [](const SourceSample& s) { return s.abandoned; });

  writer.begin(metric::kAuditQueueDepth);
  writer.gauge({}, static_cast<double>(components.audit.queueDepth));
  writer.begin(metric::kAuditRecordsWritten);
  writer.counter({}, components.audit.written);
  writer.begin(metric::kAuditFsyncDuration);
  writer.histogram({}, components.audit.fsyncDurations);
  writer.begin(metric::kAuditShipBacklog);
  writer.gauge({}, static_cast<double>(components.audit.shipBacklogBytes));
  writer.begin(metric::kAuditShipLag);
  writer.gauge({}, components.audit.shipLagSeconds);
  writer.begin(metric::kAuditShippedRecords);
  writer.counter({}, components.audit.shippedRecords);
  writer.begin(metric::kAuditShipFailures);
  writer.counter({}, components.audit.shipFailures);
  writer.begin(metric::kAuditShipHalted);
  writer.gauge({}, components.audit.shipHalted ? 1.0 : 0.0);

  writer.begin(metric::kLogLinesDropped);
  writer.counter({}, components.logLinesDropped);

  writer.begin(metric::kConfigVersion);
  writer.gauge({}, static_cast<double>(components.configVersion));
}

}  // namespace oncegate
