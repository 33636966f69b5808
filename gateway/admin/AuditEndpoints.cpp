#include "gateway/admin/AuditEndpoints.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminJsonPieces.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"

namespace oncegate {

namespace {

std::optional<AuditTrailReader::TimePoint> timeParameter(std::string_view name,
                                                         const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto time = AuditTrailReader::parseTime(*text);
  if (!time) {
    throw Error(ErrorCode::BadRequest, std::string(name) +
                                           " must be a UTC date or time: 2026-03-31 or "
                                           "2026-03-31T17:45:10Z");
  }
  return time;
}

}  // namespace

AuditEndpoints::AuditEndpoints(LiveConfiguration& live) : live_(live) {}

std::vector<AdminRoute> AuditEndpoints::routes() {
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"GET", {"audit"}, "audit", false, by(&AuditEndpoints::query)},
      {"POST", {"audit", "verify"}, "audit", false, by(&AuditEndpoints::verify)},
  };
}

HttpResponse AuditEndpoints::query(AdminCall& call) {
  const auto parameters = QueryParameters::parse(call.request.target);
  parameters.allowOnly({"limit", "since", "until", "client", "route"});
  AuditTrailReader::Filter filter;
  filter.limit = static_cast<std::size_t>(
      parameters.integer("limit", static_cast<long long>(AuditTrailReader::kDefaultLimit), 1,
                         static_cast<long long>(AuditTrailReader::kMaxLimit)));
  filter.since = timeParameter("since", parameters.find("since"));
  filter.until = timeParameter("until", parameters.find("until"));
  filter.client = parameters.find("client");
  if (auto route = parameters.find("route")) filter.routes.push_back(std::move(*route));
  const AuditTrailReader reader(live_.current()->config.gateway.audit.path);
  const auto found = reader.recentLines(filter);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("records").beginArray();
  for (const auto& line : found.lines) json.raw(line);
  json.endArray();
  AdminJsonPieces::writeScan(found.scan, json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse AuditEndpoints::verify(AdminCall& call) {
  // Checkpoint signatures are checked once the signing keys reach this endpoint (the lead wires
  // SigningConfig's public keys here); until then heads and counts only.
  const auto report = verifyAuditChain(live_.current()->config.gateway.audit.path);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("intact").boolean(report.intact);
  json.key("lines").integer(static_cast<std::int64_t>(report.lines));
  // After a rotation the file continues another; that link is for oncegatectl with both files.
  if (!report.continues.empty()) json.key("continues").string(report.continues);
  if (!report.intact) {
    json.key("first_broken_line").integer(static_cast<std::int64_t>(report.firstBrokenLine));
    json.key("problem").string(report.problem);
  } else {
    json.key("records").integer(static_cast<std::int64_t>(report.records));
    json.key("torn_lines").beginArray();
    for (const auto& torn : report.tornLines) json.integer(static_cast<std::int64_t>(torn.line));
    json.endArray();
    json.key("checkpoints").integer(static_cast<std::int64_t>(report.checkpoints.size()));
    json.key("signatures_checked").boolean(report.signaturesChecked);
    if (!report.checkpoints.empty()) {
      const auto& last = report.checkpoints.back();
      json.key("last_checkpoint").beginObject();
      json.key("line").integer(static_cast<std::int64_t>(last.line));
      json.key("records").integer(static_cast<std::int64_t>(last.records));
      json.key("time").string(last.time).key("kid").string(last.kid).endObject();
    }
    json.key("unprotected_lines").integer(static_cast<std::int64_t>(report.unprotectedLines()));
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = report.intact ? "intact" : "broken";
  return response;
}

}  // namespace oncegate
