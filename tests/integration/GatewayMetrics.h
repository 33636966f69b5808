#pragma once

#include <string>

#include "HttpClient.h"

namespace oncegate::testing {

// The value of one series of the gateway's /metrics, e.g.
// `oncegate_source_queries_total{source="hr"}`; -1 when the series is absent.
long metricValue(const HttpClient& client, const std::string& series);

// How many queries the gateway has sent to one source: how tests tell a cache hit from a query.
long sourceQueries(const HttpClient& client, const std::string& source);

}  // namespace oncegate::testing
