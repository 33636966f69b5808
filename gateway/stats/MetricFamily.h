#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "gateway/stats/MetricType.h"

namespace oncegate {

// The description of one exported metric family: what a `# HELP` and `# TYPE` line say, plus
// the label names every sample of it carries, in order. constexpr, so that the whole list lives
// in MetricFamilies.h and is checked at compile time.
struct MetricFamily {
  static constexpr std::size_t kMaxLabels = 2;

  std::string_view name;
  MetricType type = MetricType::Counter;
  std::string_view help;
  // The base unit the name ends with ("seconds", "bytes"), empty for plain counts.
  std::string_view unit;
  std::array<std::string_view, kMaxLabels> labels{};

  constexpr std::size_t labelCount() const {
    std::size_t count = 0;
    while (count < labels.size() && !labels[count].empty()) ++count;
    return count;
  }
};

}  // namespace oncegate
