#pragma once

#include <array>
#include <string_view>

#include "gateway/stats/MetricFamily.h"

// Every metric family the gateway exports on /metrics, declared once. Label names come from a
// closed set (kAllowedLabels): no label ever carries a subject, a key or a field's value.
namespace oncegate::metric {

using enum MetricType;

// Kept three lines a family (not clang-format's five) so that the whole list reads on one screen.
// clang-format off
// HTTP requests (push side: GatewayStats).
inline constexpr MetricFamily kRequests{
    "oncegate_requests_total", Counter,
    "HTTP requests answered, by route template and status code.", "", {"route", "status"}};
inline constexpr MetricFamily kRequestDuration{
    "oncegate_request_duration_seconds", Histogram,
    "Time from a request's arrival to its response, by route template.", "seconds", {"route"}};
inline constexpr MetricFamily kRateLimited{
    "oncegate_rate_limited_total", Counter,
    "Requests refused because their client was over its rate limit.", "", {}};
inline constexpr MetricFamily kFieldOutcomes{
    "oncegate_field_outcomes_total", Counter,
    "Fields answered in data requests, by outcome status.", "", {"status"}};
inline constexpr MetricFamily kConnectionsOpen{
    "oncegate_connections_open", Gauge,
    "Client connections open now (those refused past limits.max_connections not counted).", "",
    {}};
inline constexpr MetricFamily kRequestsInFlight{
    "oncegate_requests_in_flight", Gauge,
    "Requests handed to the gateway's handlers and not yet answered.", "", {}};
inline constexpr MetricFamily kConnectionsRefused{
    "oncegate_connections_refused_total", Counter,
    "Connections answered 503 at once and closed because limits.max_connections were open.", "",
    {}};
inline constexpr MetricFamily kRequestsShed{
    "oncegate_requests_shed_total", Counter,
    "Requests answered 503 before any work because limits.max_in_flight were in flight.", "", {}};
inline constexpr MetricFamily kAcceptErrors{
    "oncegate_accept_errors_total", Counter,
    "Connections the listener failed to accept (out of descriptors or memory); it backs off.", "",
    {}};
inline constexpr MetricFamily kInflightJoins{
    "oncegate_inflight_joins_total", Counter,
    "Dataset reads that joined a source query another request had already sent.", "", {}};

// Dataset cache (hits and misses push side; errors and timeouts pulled from each tier).
inline constexpr MetricFamily kCacheHits{
    "oncegate_cache_hits_total", Counter,
    "Dataset rows a cache tier had, by tier and dataset.", "", {"tier", "dataset"}};
inline constexpr MetricFamily kCacheMisses{
    "oncegate_cache_misses_total", Counter,
    "Dataset rows a cache tier was asked for and did not have, by tier and dataset.", "",
    {"tier", "dataset"}};
inline constexpr MetricFamily kCacheErrors{
    "oncegate_cache_errors_total", Counter,
    "Cache operations that failed (tier down, connection lost, error reply).", "", {"tier"}};
inline constexpr MetricFamily kCacheTimeouts{
    "oncegate_cache_timeouts_total", Counter,
    "Cache lookups that got no answer in time (answered as misses).", "", {"tier"}};
inline constexpr MetricFamily kCacheUndecryptable{
    "oncegate_cache_undecryptable_total", Counter,
    "Cached values that did not decrypt (unknown key id, altered, truncated): answered as misses.",
    "", {"tier"}};
// Redis Cluster (pulled at scrape time: RedisClusterSample; no series without a Cluster).
inline constexpr MetricFamily kCacheClusterMoved{
    "oncegate_cache_cluster_moved_total", Counter,
    "Redis Cluster MOVED redirections followed (a slot had a new master; the map is re-read).", "",
    {}};
inline constexpr MetricFamily kCacheClusterAsk{
    "oncegate_cache_cluster_ask_total", Counter,
    "Redis Cluster ASK redirections followed (a slot was being migrated).", "", {}};
inline constexpr MetricFamily kCacheClusterMapRefreshes{
    "oncegate_cache_cluster_map_refreshes_total", Counter,
    "Redis Cluster slot maps read (CLUSTER SLOTS) and put in force.", "", {}};

// Redis Sentinel (pulled at scrape time: RedisSentinelSample; no sample without Sentinel).
inline constexpr MetricFamily kRedisMasterSwitches{
    "oncegate_redis_master_switches_total", Counter,
    "Times the Redis master named by the sentinels changed since start (failovers followed).", "",
    {}};
inline constexpr MetricFamily kRedisMasterKnown{
    "oncegate_redis_master_known", Gauge,
    "1 once a sentinel has told where the Redis master is, else 0 (Redis cache serves misses).",
    "", {}};

// Source databases (pulled at scrape time: SourceSample).
inline constexpr MetricFamily kSourceQueries{
    "oncegate_source_queries_total", Counter,
    "Queries sent to a source database, successful or not.", "", {"source"}};
inline constexpr MetricFamily kSourceFailures{
    "oncegate_source_failures_total", Counter,
    "Source queries that ended in an error, timeouts included.", "", {"source"}};
inline constexpr MetricFamily kSourceTimeouts{
    "oncegate_source_timeouts_total", Counter,
    "Source queries that had no answer by their deadline.", "", {"source"}};
inline constexpr MetricFamily kSourceShortCircuited{
    "oncegate_source_short_circuited_total", Counter,
    "Queries answered unavailable at once because the source's breaker was open.", "",
    {"source"}};
inline constexpr MetricFamily kSourceConnects{
    "oncegate_source_connects_total", Counter,
    "Connections opened to a source; a replaced broken one counts again.", "", {"source"}};
inline constexpr MetricFamily kSourceQueryDuration{
    "oncegate_source_query_duration_seconds", Histogram,
    "Time a source query took, from being queued to its outcome.", "seconds", {"source"}};
inline constexpr MetricFamily kSourceConnectionsInUse{
    "oncegate_source_connections_in_use", Gauge,
    "Pooled connections to a source running a query now.", "", {"source"}};
inline constexpr MetricFamily kSourceQueueDepth{
    "oncegate_source_queue_depth", Gauge,
    "Queries waiting for a free connection to a source.", "", {"source"}};
inline constexpr MetricFamily kSourceBreakerOpen{
    "oncegate_source_breaker_open", Gauge,
    "1 while a source's circuit breaker refuses queries, else 0.", "", {"source"}};
inline constexpr MetricFamily kSourceDown{
    "oncegate_source_down", Gauge,
    "1 while a source's last connect failed and none has succeeded since, else 0.", "", {"source"}};
inline constexpr MetricFamily kSourceAbandonedWorkers{
    "oncegate_source_abandoned_workers", Gauge,
    "Workers given up on (replaced) whose driver call has not returned yet.", "", {"source"}};

// Audit trail (pulled at scrape time: AuditSample).
inline constexpr MetricFamily kAuditQueueDepth{
    "oncegate_audit_queue_depth", Gauge, "Audit records accepted and not yet written.", "", {}};
inline constexpr MetricFamily kAuditRecordsWritten{
    "oncegate_audit_records_written_total", Counter, "Audit records written to the trail.", "",
    {}};
inline constexpr MetricFamily kAuditFsyncDuration{
    "oncegate_audit_fsync_duration_seconds", Histogram,
    "Time an fsync of the audit trail took.", "seconds", {}};
inline constexpr MetricFamily kAuditShipBacklog{
    "oncegate_audit_ship_backlog_bytes", Gauge,
    "Bytes of the local audit trail not yet shipped to the central audit store.", "bytes", {}};
inline constexpr MetricFamily kAuditShipLag{
    "oncegate_audit_ship_lag_seconds", Gauge,
    "Age of the oldest audit record read and not yet shipped to the store; 0 when none.",
    "seconds", {}};
inline constexpr MetricFamily kAuditShippedRecords{
    "oncegate_audit_shipped_records_total", Counter,
    "Audit records shipped to the central audit store since start.", "", {}};
inline constexpr MetricFamily kAuditShipFailures{
    "oncegate_audit_ship_failures_total", Counter,
    "Failed attempts to ship to the audit store (store down), and reasons to stop shipping.", "",
    {}};
inline constexpr MetricFamily kAuditShipHalted{
    "oncegate_audit_ship_halted", Gauge,
    "1 once shipping stopped for good (the trail does not continue what the store holds, or "
    "another process ships under this instance name): see the log; else 0.", "", {}};

// Logs.
inline constexpr MetricFamily kLogLinesDropped{
    "oncegate_log_lines_dropped_total", Counter,
    "Log lines dropped because stderr did not take them in time (a stalled log collector).", "",
    {}};

// Configuration.
inline constexpr MetricFamily kConfigVersion{
    "oncegate_config_version", Gauge,
    "Version of the configuration this instance serves; all instances should agree.", "", {}};

// In the order a scrape writes them.
inline constexpr std::array kAllFamilies = {
    &kRequests, &kRequestDuration, &kRateLimited, &kFieldOutcomes, &kInflightJoins,
    &kConnectionsOpen, &kRequestsInFlight, &kConnectionsRefused, &kRequestsShed, &kAcceptErrors,
    &kCacheHits, &kCacheMisses, &kCacheErrors, &kCacheTimeouts, &kCacheUndecryptable,
    &kCacheClusterMoved, &kCacheClusterAsk, &kCacheClusterMapRefreshes,
    &kRedisMasterSwitches, &kRedisMasterKnown,
    &kSourceQueries, &kSourceFailures, &kSourceTimeouts, &kSourceShortCircuited, &kSourceConnects,
    &kSourceQueryDuration, &kSourceConnectionsInUse, &kSourceQueueDepth, &kSourceBreakerOpen,
    &kSourceDown, &kSourceAbandonedWorkers,
    &kAuditQueueDepth, &kAuditRecordsWritten, &kAuditFsyncDuration, &kAuditShipBacklog,
    &kAuditShipLag, &kAuditShippedRecords, &kAuditShipFailures, &kAuditShipHalted,
    &kLogLinesDropped, &kConfigVersion};
// clang-format on

// The only label names a family may declare.
inline constexpr std::array<std::string_view, 5> kAllowedLabels = {"route", "status", "source",
                                                                   "dataset", "tier"};

// Closed label value sets, so that the number of series is bounded whatever clients send.
// A status outside the set is counted as "other".
inline constexpr std::array<unsigned, 19> kHttpStatuses = {
    200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 412, 413, 422, 429, 431, 500, 503, 504};
inline constexpr std::array<std::string_view, 9> kFieldStatuses = {
    "ok",      "not_found", "unavailable", "denied", "verify_only", "unknown_field",
    "refused", "not_asked", "limited"};
inline constexpr std::string_view kOtherStatus = "other";
// The route label of a request whose path is none of the routes GatewayStats was given
// (route labels are templates that start with '/', so this one cannot collide).
inline constexpr std::string_view kOtherRoute = "other";
// The dataset label that collects every dataset past GatewayStats' bound.
inline constexpr std::string_view kOtherDatasets = "(other)";

namespace detail {

constexpr bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

constexpr bool followsConventions(const MetricFamily& family) {
  if (!family.name.starts_with("oncegate_") || family.help.empty()) return false;
  if (family.type == Counter && !endsWith(family.name, "_total")) return false;
  if (family.type != Counter && endsWith(family.name, "_total")) return false;
  if (family.type == Histogram && family.unit.empty()) return false;
  if (!family.unit.empty()) {
    const std::string_view name =
        family.type == Counter ? family.name.substr(0, family.name.size() - 6) : family.name;
    if (!endsWith(name, family.unit) || name[name.size() - family.unit.size() - 1] != '_') {
      return false;
    }
  }
  for (std::size_t i = 0; i < family.labelCount(); ++i) {
    bool allowed = false;
    for (auto label : kAllowedLabels) allowed = allowed || family.labels[i] == label;
    if (!allowed) return false;
  }
  return true;
}

constexpr bool allFollowConventions() {
  for (std::size_t i = 0; i < kAllFamilies.size(); ++i) {
    if (!followsConventions(*kAllFamilies[i])) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (kAllFamilies[i]->name == kAllFamilies[j]->name) return false;
    }
  }
  return true;
}

}  // namespace detail

static_assert(detail::allFollowConventions(),
              "a metric family breaks a rule: prefix oncegate_, help text, _total on counters "
              "only, base unit suffix, allowed labels only, unique name");

}  // namespace oncegate::metric
