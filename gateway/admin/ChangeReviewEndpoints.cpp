#include "gateway/admin/ChangeReviewEndpoints.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"
#include "gateway/admin/AccessWidening.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminJsonPieces.h"
#include "gateway/admin/PolicyImpact.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/DocumentDiff.h"

namespace oncegate {

namespace {

std::optional<std::uint64_t> changeId(std::string_view text) {
  std::uint64_t id = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), id);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || id == 0) {
    return std::nullopt;
  }
  return id;
}

const ConfigDocument* findDocument(const Configuration& config, const std::string& kind,
                                   const std::string& id) {
  for (const auto& document : config.documents) {
    if (document.kind == kind && document.id == id) return &document;
  }
  return nullptr;
}

std::string jsonOf(const ConfigNode& body) {
  std::string text;
  JsonWriter json(text);
  writeYamlAsJson(body.yaml(), json);
  return text;
}

// "impact": what approving `change` now would open: every client x purpose x field that gains
// access, and the replay of recent audited requests under the configuration it would make.
// "applies" / "problem": whether it would still build on the configuration in force.
void writeImpact(const PendingChange& change, const GatewaySnapshot& snapshot, JsonWriter& json) {
  std::vector<ConfigDocument> documents;
  for (const auto& document : snapshot.config.documents) {
    if (document.kind != change.kind || document.id != change.documentId) {
      documents.push_back(document);
    }
  }
  if (!change.removal) {
    documents.push_back(ConfigDocument{
        change.kind, change.documentId,
        ConfigNode::parse(change.body, "pending change " + std::to_string(change.id))});
  }
  std::optional<Configuration> proposed;
  try {
    proposed = buildConfiguration(snapshot.config.gateway, std::move(documents));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidConfig) throw;
    // It stays visible, saying why an approval would be refused.
    json.key("applies").boolean(false).key("problem").string(e.message());
    json.key("impact").null();
    return;
  }
  json.key("applies").boolean(true).key("problem").null();
  const auto now = std::chrono::system_clock::now();
  json.key("impact").beginObject();
  AdminJsonPieces::writeKeys(
      "widens", AccessWidening::between(snapshot.config, *proposed, now).reasons, json);
  bool truncated = false;
  const auto gains = AccessWidening::gains(snapshot.config, *proposed, now, truncated);
  json.key("gains").beginArray();
  for (const auto& gain : gains) {
    json.beginObject().key("client").string(gain.client).key("purpose").string(gain.purpose);
    json.key("field")
        .string(gain.field)
        .key("effect")
        .string(PolicyDecision::effectName(gain.effect));
    json.key("why").string(gain.otherData ? "other_data" : "newly_readable").endObject();
  }
  json.endArray().key("gains_truncated").boolean(truncated);
  const AuditTrailReader reader(snapshot.config.gateway.audit.path);
  const auto recent = reader.recentRequests(AuditTrailReader::Filter{});
  json.key("replay").beginObject();
  AdminJsonPieces::writeScan(recent.scan, json);
  PolicyImpact::compute(snapshot.config, *proposed, recent.requests, now).writeMembers(json);
  json.endObject().endObject();
}

}  // namespace

ChangeReviewEndpoints::ChangeReviewEndpoints(LiveConfiguration& live, StoreSync* sync)
    : live_(live), writer_(live, sync) {}

std::vector<AdminRoute> ChangeReviewEndpoints::routes() {
  // Reading and withdrawing are checked against the change's author here; deciding is the
  // security officer's ("approvals").
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"GET", {"changes", "{id}"}, "changes", false, by(&ChangeReviewEndpoints::show)},
      {"POST",
       {"changes", "{id}", "approve"},
       "approvals",
       true,
       by(&ChangeReviewEndpoints::approve)},
      {"POST",
       {"changes", "{id}", "reject"},
       "approvals",
       true,
       by(&ChangeReviewEndpoints::reject)},
      {"POST",
       {"changes", "{id}", "withdraw"},
       "changes",
       false,
       by(&ChangeReviewEndpoints::withdraw)},
  };
}

ControlStore& ChangeReviewEndpoints::requireStore() const {
  if (writer_.store() == nullptr) {
    throw Error(ErrorCode::NotFound,
                "pending changes need a control store: set store: (an ODBC connection string) in "
                "gateway.yaml");
  }
  return *writer_.store();
}

PendingChange ChangeReviewEndpoints::find(AdminCall& call) const {
  auto& store = requireStore();
  const auto id = changeId(call.id);
  auto change = id ? store.pendingChange(*id) : std::nullopt;
  if (!change) throw Error(ErrorCode::NotFound, "there is no pending change '" + call.id + "'");
  call.change = std::to_string(change->id);
  if (call.role == "dba" && change->author != call.tokenName) {
    throw Error(ErrorCode::Forbidden, "a DBA sees only the changes it proposed");
  }
  return std::move(*change);
}

HttpResponse ChangeReviewEndpoints::answer(AdminCall& call, std::uint64_t id,
                                           const std::string& outcome) const {
  const auto change = requireStore().pendingChange(id);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject();
  AdminJsonPieces::writePendingChange(*change, json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = outcome;
  return response;
}

HttpResponse ChangeReviewEndpoints::show(AdminCall& call) {
  const auto change = find(call);
  const auto snapshot = live_.current();
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject();
  AdminJsonPieces::writePendingChange(change, json);
  // Sources never wait (they do not widen), so no connection string is shown here.
  json.key("document");
  change.removal ? json.null() : json.raw(change.body);
  // Against the document in force now: what approving would change.
  const auto* inForce = findDocument(snapshot->config, change.kind, change.documentId);
  json.key("diff");
  if (inForce == nullptr || change.removal) {
    json.null();
  } else {
    const auto diff = DocumentDiff::between(jsonOf(inForce->body), change.body);
    json.beginObject();
    AdminJsonPieces::writeKeys("added", diff.added, json);
    AdminJsonPieces::writeKeys("removed", diff.removed, json);
    AdminJsonPieces::writeKeys("changed", diff.changed, json);
    json.endObject();
  }
  if (change.state == "pending") {
    writeImpact(change, *snapshot, json);
  } else {
    json.key("applies").null().key("problem").null().key("impact").null();
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "read";
  return response;
}

HttpResponse ChangeReviewEndpoints::approve(AdminCall& call) {
  const auto change = find(call);
  if (change.author == call.tokenName) {
    throw Error(ErrorCode::Forbidden,
                "the author of a change may not approve it: another security officer must");
  }
  if (change.state != "pending") {
    throw Error(ErrorCode::Conflict, "change " + call.change + " was already " + change.state +
                                         " by " + change.decidedBy);
  }
  writer_.approve(call, change, call.request.changeComment);
  return answer(call, change.id, "approved");
}

HttpResponse ChangeReviewEndpoints::reject(AdminCall& call) {
  const auto change = find(call);
  requireStore().closePendingChange(change.id, "rejected", call.tokenName,
                                    call.request.changeComment);
  return answer(call, change.id, "rejected");
}

HttpResponse ChangeReviewEndpoints::withdraw(AdminCall& call) {
  const auto change = find(call);
  if (change.author != call.tokenName) {
    throw Error(ErrorCode::Forbidden, "only the author of change " + call.change +
                                          " may withdraw it; a security officer rejects it");
  }
  requireStore().closePendingChange(change.id, "withdrawn", call.tokenName,
                                    call.request.changeComment);
  return answer(call, change.id, "withdrawn");
}

}  // namespace oncegate
