#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/LatencyHistogram.h"
#include "gateway/stats/MetricFamily.h"

namespace oncegate {

// Appends metric families to a scrape in the Prometheus text exposition format (0.0.4).
//
// The format wants each family's lines together, under one `# HELP` and one `# TYPE`: begin()
// writes those, and the samples that follow belong to that family. Beginning a family twice, a
// sample of the wrong type or with the wrong number of label values is a bug in the caller and
// throws Internal rather than write a scrape that Prometheus rejects whole.
class PrometheusTextWriter {
 public:
  using LabelValues = std::initializer_list<std::string_view>;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  explicit PrometheusTextWriter(std::string& out) : out_(out) {}

  void begin(const MetricFamily& family);
  void counter(LabelValues labelValues, std::uint64_t value);
  void gauge(LabelValues labelValues, double value);
  // Cumulative `_bucket{le=...}` lines, then `_sum` and `_count`.
  void histogram(LabelValues labelValues, const LatencyHistogram::Snapshot& snapshot);

  // Label value escaping of the exposition format: backslash, double quote and newline.
  static void escapeLabelValue(std::string_view value, std::string& out);

 private:
  const MetricFamily& current(MetricType type, std::size_t labelValueCount) const;
  void writeSeries(std::string_view suffix, LabelValues labelValues, std::string_view le);

  std::string& out_;
  const MetricFamily* family_ = nullptr;
  std::vector<std::string_view> begun_;
};

}  // namespace oncegate
