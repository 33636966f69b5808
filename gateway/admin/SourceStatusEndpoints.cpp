#include "gateway/admin/SourceStatusEndpoints.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/LastSourceProbes.h"
#include "gateway/admin/SourceHealth.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"

namespace oncegate {

namespace {

void optionalNumber(JsonWriter& json, std::string_view name, const std::optional<double>& ms) {
  json.key(name);
  if (ms) {
    json.number(*ms);
  } else {
    json.null();
  }
}

void writeProbe(const std::optional<LastSourceProbes::Probe>& probe, JsonWriter& json) {
  json.key("last_probe");
  if (!probe) {
    json.null();
    return;
  }
  json.beginObject().key("at").string(utcTimestamp(probe->at)).key("ok").boolean(probe->ok);
  json.key("connect_ms").number(probe->connectMs);
  optionalNumber(json, "query_ms", probe->queryMs);
  if (!probe->ok) json.key("error").string(probe->errorCode);
  json.endObject();
}

}  // namespace

SourceStatusEndpoints::SourceStatusEndpoints(LiveConfiguration& live,
                                             const LastSourceProbes& probes)
    : live_(live), probes_(probes) {}

std::vector<AdminRoute> SourceStatusEndpoints::routes() {
  return {{"GET",
           {"sources", "status"},
           "sources",
           false,
           AdminRoute::answeredBy(this, &SourceStatusEndpoints::status)}};
}

HttpResponse SourceStatusEndpoints::status(AdminCall& call) {
  const auto snapshot = live_.current();
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("sources").beginArray();
  // In the order GET /admin/v1/sources lists them.
  for (const auto& config : snapshot->config.sources) {
    json.beginObject().key("id").string(config.id).key("department").string(config.department);
    const Source* live = snapshot->sources.find(config.id);
    if (live == nullptr) {
      // Not opened (only a test composition does that): nothing is known of it.
      json.key("health").string(SourceHealth::stateName(SourceHealth::State::Idle));
      json.key("breaker").string("closed").key("queries").integer(0);
      json.key("failures").integer(0).key("timeouts").integer(0);
      json.key("short_circuited").integer(0).key("in_use").integer(0).key("queued").integer(0);
      json.key("latency_ms").null();
    } else {
      const auto stats = live->stats();
      const auto health = SourceHealth::of(stats);
      json.key("health").string(SourceHealth::stateName(health.state));
      json.key("breaker").string(health.breakerOpen ? "open" : "closed");
      json.key("queries").integer(static_cast<std::int64_t>(stats.queries));
      json.key("failures").integer(static_cast<std::int64_t>(stats.failures));
      json.key("timeouts").integer(static_cast<std::int64_t>(stats.timeouts));
      json.key("short_circuited").integer(static_cast<std::int64_t>(stats.shortCircuited));
      json.key("in_use").integer(static_cast<std::int64_t>(stats.inUse));
      json.key("queued").integer(static_cast<std::int64_t>(stats.queued));
      json.key("latency_ms");
      if (health.latency.queries == 0) {
        json.null();
      } else {
        json.beginObject();
        optionalNumber(json, "mean", health.latency.meanMs);
        optionalNumber(json, "p50", health.latency.p50Ms);
        optionalNumber(json, "p90", health.latency.p90Ms);
        optionalNumber(json, "p99", health.latency.p99Ms);
        json.endObject();
      }
    }
    writeProbe(probes_.last(config.id), json);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

}  // namespace oncegate
