#include "GatewayMetrics.h"

#include <regex>

namespace oncegate::testing {

long metricValue(const HttpClient& client, const std::string& series) {
  const auto text = client.get("/metrics").body;
  const std::regex line(
      "^" + std::regex_replace(series, std::regex(R"([{}"\\.])"), R"(\$&)") + " ([0-9]+)$",
      std::regex::multiline);
  std::smatch match;
  if (!std::regex_search(text, match, line)) return -1;
  return std::stol(match[1]);
}

long sourceQueries(const HttpClient& client, const std::string& source) {
  return metricValue(client, "oncegate_source_queries_total{source=\"" + source + "\"}");
}

}  // namespace oncegate::testing
