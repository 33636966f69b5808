#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "gateway/stats/AuditSample.h"
#include "gateway/stats/CacheTierSample.h"
#include "gateway/stats/ListenerSample.h"
#include "gateway/stats/RedisClusterSample.h"
#include "gateway/stats/RedisSentinelSample.h"
#include "gateway/stats/SourceSample.h"

namespace oncegate {

// What the components own and the composition root gathers at scrape time (pull side), to be
// written next to GatewayStats' own counters (push side) in one scrape.
struct ComponentSamples {
  std::uint64_t configVersion = 0;
  std::vector<SourceSample> sources;
  std::vector<CacheTierSample> cacheTiers;
  std::optional<RedisClusterSample> redisCluster;    // with a cache on a Redis Cluster
  std::optional<RedisSentinelSample> redisSentinel;  // with redis: { sentinel: ... } only
  AuditSample audit;
  ListenerSample listener;
  std::uint64_t logLinesDropped = 0;
};

}  // namespace oncegate
