#include "GatewayMetrics.h"

#include <regex>

namespace oncegate::testing {

long metricValue(const HttpClient& client, const std::string& series) {
  const auto text = client.get("/metrics").body;
  // Appended, not "^" + ...: GCC 12 at -O3 reports a false -Wrestrict on "literal" + string.
  std::string pattern = "^";
  pattern += std::regex_replace(series, std::regex(R"([{}"\\.])"), R"(\$&)");
  pattern += " ([0-9]+)$";
  const std::regex line(pattern, std::regex::multiline);
  std::smatch match;
  if (!std::regex_search(text, match, line)) return -1;
  return std::stol(match[1]);
}

long sourceQueries(const HttpClient& client, const std::string& source) {
  return metricValue(client, "oncegate_source_queries_total{source=\"" + source + "\"}");
}

}  // namespace oncegate::testing
