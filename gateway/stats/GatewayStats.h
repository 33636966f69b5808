#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/LatencyHistogram.h"
#include "gateway/stats/ComponentSamples.h"
#include "gateway/stats/MetricFamilies.h"

namespace oncegate {

class PrometheusTextWriter;

// The counters the request path pushes into, in one object owned by the composition root, and
// the writer of the whole scrape (these counters plus the ComponentSamples pulled at scrape time).
//
// Every count*() is called on I/O threads for every request: each is a few relaxed atomic
// increments on counters that exist from construction, found by a scan of a handful of names,
// with no lock and no allocation; except the first count of a dataset never seen before, which
// takes an exclusive lock once to add it (at most maxDatasets times, see countCacheHit).
class GatewayStats {
 public:
  static constexpr std::size_t kMaxCacheTiers = 4;
  static constexpr std::size_t kDefaultMaxDatasets = 1000;

  // `routes`: the route templates requests are named by ("/v1/resolve"); any other route is
  // counted as metric::kOtherRoute. `cacheTiers`: the configured tiers' names (at most
  // kMaxCacheTiers); a tier not named here is not counted. Past `maxDatasets` distinct datasets,
  // cache counts go to metric::kOtherDatasets: datasets come and go with reloads, and each keeps
  // its series (counters must not reset), so the bound is what keeps memory and series finite.
  GatewayStats(std::vector<std::string> routes, std::vector<std::string> cacheTiers,
               std::size_t maxDatasets = kDefaultMaxDatasets);

  GatewayStats(const GatewayStats&) = delete;
  GatewayStats& operator=(const GatewayStats&) = delete;

  void countRequest(std::string_view route, unsigned status, std::chrono::nanoseconds duration);
  void countRateLimited();
  // A field's answer status ("ok", "denied", ...: metric::kFieldStatuses, else "other").
  void countFieldOutcome(std::string_view status);
  // A dataset read that joined another request's query instead of sending its own.
  void countInflightJoin();
  // Lookups of known datasets take a shared lock only: concurrent lookups never wait on one
  // another, only on the rare first sight of a new dataset.
  void countCacheHit(std::string_view tier, std::string_view dataset);
  void countCacheMiss(std::string_view tier, std::string_view dataset);

  // Appends the whole scrape: every family of metric::kAllFamilies, in that order.
  void writeScrape(const ComponentSamples& components, std::string& out) const;

 private:
  using Counter = std::atomic<std::uint64_t>;

  struct RouteCounters {
    std::array<Counter, metric::kHttpStatuses.size() + 1> byStatus{};  // last: "other"
    LatencyHistogram duration;
  };
  struct DatasetCounters {
    std::array<Counter, kMaxCacheTiers> hits{};
    std::array<Counter, kMaxCacheTiers> misses{};
  };
  // Lets the map be searched with a string_view, so that a lookup allocates nothing.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };

  RouteCounters& routeCounters(std::string_view route);
  DatasetCounters& datasetCounters(std::string_view dataset);
  void countCache(std::string_view tier, std::string_view dataset, bool hit);
  void writeRequests(PrometheusTextWriter& writer) const;
  void writeCache(const ComponentSamples& components, PrometheusTextWriter& writer) const;

  std::vector<std::string> routes_;
  std::unique_ptr<RouteCounters[]> routeCounters_;  // one per route, then "other"
  std::vector<std::string> cacheTiers_;
  std::size_t maxDatasets_;
  std::array<Counter, metric::kFieldStatuses.size() + 1> fieldOutcomes_{};  // last: "other"
  Counter rateLimited_{0};
  Counter inflightJoins_{0};
  // Entries are never removed, so a DatasetCounters found under the shared lock stays valid
  // after it is released: increments happen outside the lock.
  mutable std::shared_mutex datasetsMutex_;
  std::unordered_map<std::string, std::unique_ptr<DatasetCounters>, NameHash, std::equal_to<>>
      datasets_;
  DatasetCounters otherDatasets_;
};

}  // namespace oncegate
