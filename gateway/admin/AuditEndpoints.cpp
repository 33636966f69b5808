#include "gateway/admin/AuditEndpoints.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminJsonPieces.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/auditstore/AuditRecordExport.h"
#include "gateway/auditstore/AuditSearch.h"
#include "gateway/auditstore/AuditSearchParameters.h"
#include "gateway/auditstore/CheckpointKeys.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/signing/JsonWebKeySet.h"

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

// The answer's format: ?format=json (the default), jsonl or csv.
enum class Format { Json, JsonLines, Csv };

Format formatOf(const std::optional<std::string>& text) {
  if (!text || *text == "json") return Format::Json;
  if (*text == "jsonl") return Format::JsonLines;
  if (*text == "csv") return Format::Csv;
  throw Error(ErrorCode::BadRequest, "format must be json, jsonl or csv");
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
  const auto snapshot = live_.current();
  if (!snapshot->config.gateway.audit.store.empty()) return queryStore(call, *snapshot);
  const auto parameters = QueryParameters::parse(call.request.target);
  for (const auto name : {"subject", "subject_type", "case", "department", "purpose", "field",
                          "outcome", "cursor", "format"}) {
    if (parameters.find(name)) {
      throw Error(ErrorCode::BadRequest,
                  std::string(name) +
                      " searches the central audit record, and this gateway has no audit.store; "
                      "its own trail is queried by limit, since, until, client and route");
    }
  }
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

HttpResponse AuditEndpoints::queryStore(AdminCall& call, const GatewaySnapshot& snapshot) {
  const auto parameters = QueryParameters::parse(call.request.target);
  parameters.allowOnly({"subject", "subject_type", "case", "client", "department", "purpose",
                        "field", "outcome", "since", "until", "limit", "cursor", "format"});
  const auto format = formatOf(parameters.find("format"));
  const auto& config = snapshot.config;
  const auto filter = AuditSearchParameters::filterFrom(
      [&parameters](std::string_view name) { return parameters.find(name); }, config.mappings,
      config.gateway.hashKey);
  // A connection per call: admin calls are few, and a connection kept across them would need a
  // lock and a way back from a database that went away.
  odbc::OdbcClient store(config.gateway.audit.store, "audit store");
  AuditSearch search(store);
  const auto page = search.find(filter);
  HttpResponse response;
  if (format == Format::Json) {
    JsonWriter json(response.body);
    json.beginObject().key("records").beginArray();
    for (const auto& record : page.records) AuditRecordExport::writeJson(record, json);
    json.endArray().key("next");
    page.next ? json.string(*page.next) : json.null();
    json.key("request_id").string(call.requestId).endObject();
  } else {
    // An export is the records alone; where the next page starts travels in a header.
    if (format == Format::Csv) {
      response.contentType = "text/csv; charset=utf-8";
      response.body.append(AuditRecordExport::kCsvHeader);
      for (const auto& record : page.records)
        AuditRecordExport::appendCsvRow(record, response.body);
    } else {
      response.contentType = "application/x-ndjson";
      for (const auto& record : page.records) {
        AuditRecordExport::appendJsonLine(record, response.body);
      }
    }
    if (page.next) response.headers.emplace_back("Oncegate-Next-Cursor", *page.next);
  }
  call.outcome = "listed";
  return response;
}

HttpResponse AuditEndpoints::verify(AdminCall& call) {
  // Checkpoint signatures are checked with every configured key (a checkpoint names the key that
  // was current when it was written); without signing: heads and counts only.
  const auto snapshot = live_.current();
  const auto& signing = snapshot->config.gateway.signing;
  std::optional<AuditCheckpointKeys> keys;
  if (signing) keys = checkpointKeysOf(JsonWebKeySet::configured(*signing));
  const auto report =
      verifyAuditChain(snapshot->config.gateway.audit.path, keys ? &*keys : nullptr);
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
