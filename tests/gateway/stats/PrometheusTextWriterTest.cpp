#include <gtest/gtest.h>

#include "common/Error.h"
#include "gateway/stats/PrometheusTextWriter.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

constexpr MetricFamily kLabelled{"test_things_total",
                                 MetricType::Counter,
                                 "Things, by route.\nSecond line with a \\ backslash.",
                                 "",
                                 {"route", "status"}};
constexpr MetricFamily kDepth{"test_depth", MetricType::Gauge, "A depth.", "", {}};
constexpr MetricFamily kDuration{
    "test_duration_seconds", MetricType::Histogram, "Durations.", "seconds", {"source"}};

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(PrometheusTextWriterTest, WritesHelpAndTypeOnceThenEverySample) {
  std::string out;
  PrometheusTextWriter writer(out);
  writer.begin(kLabelled);
  writer.counter({"/v1/resolve", "200"}, 3);
  writer.counter({"/v1/verify", "404"}, 18446744073709551615ULL);
  EXPECT_EQ(out,
            "# HELP test_things_total Things, by route.\\nSecond line with a \\\\ backslash.\n"
            "# TYPE test_things_total counter\n"
            "test_things_total{route=\"/v1/resolve\",status=\"200\"} 3\n"
            "test_things_total{route=\"/v1/verify\",status=\"404\"} 18446744073709551615\n");
}

TEST(PrometheusTextWriterTest, EscapesLabelValues) {
  std::string out;
  PrometheusTextWriter writer(out);
  writer.begin(kLabelled);
  writer.counter({"a\"b\\c\nd", "ünï"}, 1);
  EXPECT_NE(out.find("{route=\"a\\\"b\\\\c\\nd\",status=\"ünï\"} 1\n"), std::string::npos) << out;
}

TEST(PrometheusTextWriterTest, GaugesPrintIntegersWholeAndOtherValuesExactly) {
  std::string out;
  PrometheusTextWriter writer(out);
  writer.begin(kDepth);
  writer.gauge({}, 1200000);
  writer.gauge({}, 0.25);
  writer.gauge({}, -3);
  EXPECT_NE(out.find("test_depth 1200000\ntest_depth 0.25\ntest_depth -3\n"), std::string::npos)
      << out;
}

TEST(PrometheusTextWriterTest, HistogramBucketsAreCumulativeAndEndWithInf) {
  LatencyHistogram histogram;
  histogram.observe(50us);  // le 0.0001
  histogram.observe(80us);  // le 0.0001
  histogram.observe(3ms);   // le 0.005
  histogram.observe(30s);   // +Inf only
  std::string out;
  PrometheusTextWriter writer(out);
  writer.begin(kDuration);
  writer.histogram({"hr"}, histogram.snapshot());
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"0.0001\"} 2\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"0.00025\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"0.0025\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"0.005\"} 3\n"),
            std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"10\"} 3\n"),
            std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_bucket{source=\"hr\",le=\"+Inf\"} 4\n"),
            std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_sum{source=\"hr\"} 30.00313\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("test_duration_seconds_count{source=\"hr\"} 4\n"), std::string::npos);
  EXPECT_EQ(occurrences(out, "_bucket{"), LatencyHistogram::kBoundsSeconds.size() + 1);
}

TEST(PrometheusTextWriterTest, HistogramCountIsTheInfBucketEvenWhenTheSnapshotRaced) {
  LatencyHistogram::Snapshot racing;
  racing.counts[0] = 2;
  racing.count = 3;  // an observation counted here and not yet in its bucket
  std::string out;
  PrometheusTextWriter writer(out);
  writer.begin(kDuration);
  writer.histogram({"hr"}, racing);
  EXPECT_NE(out.find("le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("test_duration_seconds_count{source=\"hr\"} 2\n"), std::string::npos);
}

TEST(PrometheusTextWriterTest, RefusesWhatWouldBreakTheScrape) {
  std::string out;
  PrometheusTextWriter writer(out);
  EXPECT_THROW(writer.counter({"a", "b"}, 1), Error);  // no family begun
  writer.begin(kLabelled);
  EXPECT_THROW(writer.counter({"only one"}, 1), Error);
  EXPECT_THROW(writer.gauge({"a", "b"}, 1), Error);
  writer.begin(kDepth);
  try {
    writer.begin(kLabelled);  // its samples would no longer be together
    FAIL() << "a family begun twice was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
    EXPECT_NE(e.detail().find("test_things_total"), std::string::npos);
  }
}

}  // namespace
}  // namespace oncegate
