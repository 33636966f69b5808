#include "gateway/stats/PrometheusTextWriter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "common/Error.h"

namespace oncegate {

namespace {

void appendUnsigned(std::uint64_t value, std::string& out) {
  std::array<char, 24> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

// Integers print as integers (a version or a queue depth as "1200000", not "1.2e+06"); other
// values in the shortest form that reads back exactly, "%g"-style as Prometheus' own clients do,
// so that `le` labels are the same strings on every instance.
void appendDouble(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    if (value < 0) out += '-';
    appendUnsigned(static_cast<std::uint64_t>(std::fabs(value)), out);
    return;
  }
  std::array<char, 32> buffer{};
  const auto end =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::general)
          .ptr;
  out.append(buffer.data(), end);
}

// HELP text escaping: backslash and newline (double quotes stay as they are).
void appendHelp(std::string_view help, std::string& out) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusTextWriter::escapeLabelValue(std::string_view value, std::string& out) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void PrometheusTextWriter::begin(const MetricFamily& family) {
  if (std::find(begun_.begin(), begun_.end(), family.name) != begun_.end()) {
    throw Error(ErrorCode::Internal, "metrics scrape failed",
                "metric family " + std::string(family.name) +
                    " written twice: a family's samples must be written together");
  }
  begun_.push_back(family.name);
  family_ = &family;
  out_ += "# HELP ";
  out_ += family.name;
  out_ += ' ';
  appendHelp(family.help, out_);
  out_ += "\n# TYPE ";
  out_ += family.name;
  out_ += ' ';
  out_ += metricTypeName(family.type);
  out_ += '\n';
}

const MetricFamily& PrometheusTextWriter::current(MetricType type,
                                                  std::size_t labelValueCount) const {
  if (family_ == nullptr) {
    throw Error(ErrorCode::Internal, "metrics scrape failed",
                "a sample was written before any metric family was begun");
  }
  if (family_->type != type) {
    throw Error(ErrorCode::Internal, "metrics scrape failed",
                "metric family " + std::string(family_->name) + " is a " +
                    std::string(metricTypeName(family_->type)) + ", not a " +
                    std::string(metricTypeName(type)));
  }
  if (family_->labelCount() != labelValueCount) {
    throw Error(ErrorCode::Internal, "metrics scrape failed",
                "metric family " + std::string(family_->name) + " has " +
                    std::to_string(family_->labelCount()) + " labels, a sample gave " +
                    std::to_string(labelValueCount) + " values");
  }
  return *family_;
}

void PrometheusTextWriter::writeSeries(std::string_view suffix, LabelValues labelValues,
                                       std::string_view le) {
  out_ += family_->name;
  out_ += suffix;
  if (labelValues.size() == 0 && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  std::size_t i = 0;
  for (const auto value : labelValues) {
    if (i > 0) out_ += ',';
    out_ += family_->labels[i++];
    out_ += "=\"";
    escapeLabelValue(value, out_);
    out_ += '"';
  }
  if (!le.empty()) {
    if (i > 0) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += "} ";
}

void PrometheusTextWriter::counter(LabelValues labelValues, std::uint64_t value) {
  current(MetricType::Counter, labelValues.size());
  writeSeries({}, labelValues, {});
  appendUnsigned(value, out_);
  out_ += '\n';
}

void PrometheusTextWriter::gauge(LabelValues labelValues, double value) {
  current(MetricType::Gauge, labelValues.size());
  writeSeries({}, labelValues, {});
  appendDouble(value, out_);
  out_ += '\n';
}

void PrometheusTextWriter::histogram(LabelValues labelValues,
                                     const LatencyHistogram::Snapshot& snapshot) {
  current(MetricType::Histogram, labelValues.size());
  // The snapshot keeps one count per bucket; Prometheus wants each bucket to hold everything
  // at or below its bound. _count is the +Inf bucket rather than snapshot.count: a scrape
  // racing an observation may read one without the other, and Prometheus requires them equal.
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < snapshot.counts.size(); ++i) {
    cumulative += snapshot.counts[i];
    le.clear();
    if (i < LatencyHistogram::kBoundsSeconds.size()) {
      appendDouble(LatencyHistogram::kBoundsSeconds[i], le);
    } else {
      le = "+Inf";
    }
    writeSeries("_bucket", labelValues, le);
    appendUnsigned(cumulative, out_);
    out_ += '\n';
  }
  writeSeries("_sum", labelValues, {});
  appendDouble(snapshot.sumSeconds, out_);
  out_ += '\n';
  writeSeries("_count", labelValues, {});
  appendUnsigned(cumulative, out_);
  out_ += '\n';
}

}  // namespace oncegate
