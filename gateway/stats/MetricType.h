#pragma once

#include <cstdint>
#include <string_view>

namespace oncegate {

// The Prometheus metric types the gateway exports (no summaries: histograms aggregate across
// instances, summaries do not).
enum class MetricType : std::uint8_t { Counter, Gauge, Histogram };

// The name used on a `# TYPE` line.
constexpr std::string_view metricTypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace oncegate
