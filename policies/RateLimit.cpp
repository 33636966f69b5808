#include "policies/RateLimit.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace oncegate {

namespace {
// The default burst: one second's worth of requests, and never less than one request.
std::int64_t defaultBurst(double perSecond) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(perSecond)));
}
}  // namespace

RateLimit RateLimit::parse(const ConfigNode& node) {
  node.allowOnlyKeys({"per_second", "burst"});
  RateLimit limit;
  const auto perSecond = node.at("per_second");
  // yaml-cpp reads ".inf" and ".nan" as doubles too; isfinite and the range turn both away.
  if (!perSecond.isScalar() || !YAML::convert<double>::decode(perSecond.yaml(), limit.perSecond) ||
      !std::isfinite(limit.perSecond) || limit.perSecond < kMinPerSecond ||
      limit.perSecond > kMaxPerSecond) {
    perSecond.fail("per_second must be a number of requests from 0.001 to 1000000");
  }
  limit.burst = defaultBurst(limit.perSecond);
  if (auto burst = node.find("burst")) limit.burst = burst->asInt(1, kMaxBurst);
  return limit;
}

}  // namespace oncegate
