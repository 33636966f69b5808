#include "gateway/admin/PolicyToolEndpoints.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminJsonPieces.h"
#include "gateway/admin/AdminRequestBody.h"
#include "gateway/admin/PolicyImpact.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/service/PolicyExplanation.h"
#include "policies/MaskKind.h"

namespace oncegate {

namespace {

// What an impact call proposes, and over which audited requests.
struct Proposal {
  std::vector<ConfigNode> put;
  std::vector<std::string> removed;
  AuditTrailReader::Filter filter;
};

Proposal readProposal(const ConfigNode& body) {
  Proposal proposal;
  AdminRequestBody::read(body, [&](const ConfigNode& node) {
    node.allowOnlyKeys({"policies", "remove", "last", "since", "until"});
    if (const auto policies = node.find("policies")) proposal.put = policies->items();
    if (const auto remove = node.find("remove")) {
      for (const auto& id : remove->items()) proposal.removed.push_back(id.asString());
    }
    if (const auto last = node.find("last")) {
      proposal.filter.limit = static_cast<std::size_t>(
          last->asInt(1, static_cast<std::int64_t>(AuditTrailReader::kMaxLimit)));
    }
    for (const auto* name : {"since", "until"}) {
      if (const auto value = node.find(name)) {
        auto& bound =
            std::string_view(name) == "since" ? proposal.filter.since : proposal.filter.until;
        bound = AuditTrailReader::parseTime(value->asString());
        if (!bound) value->fail(std::string(name) + " must be a UTC date or time");
      }
    }
    if (proposal.put.empty() && proposal.removed.empty()) {
      node.fail(R"(propose something: "policies" to put and/or "remove" (policy ids))");
    }
  });
  return proposal;
}

bool holdsPolicy(const GatewaySnapshot& snapshot, const std::string& id) {
  return std::any_of(snapshot.config.documents.begin(), snapshot.config.documents.end(),
                     [&](const ConfigDocument& document) {
                       return document.kind == "policies" && document.id == id;
                     });
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

PolicyToolEndpoints::PolicyToolEndpoints(LiveConfiguration& live) : live_(live) {}

std::vector<AdminRoute> PolicyToolEndpoints::routes() {
  // Reading what policies decide is for those who may read policies.
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"POST", {"policies", "explain"}, "policies", false, by(&PolicyToolEndpoints::explain)},
      {"POST", {"policies", "impact"}, "policies", false, by(&PolicyToolEndpoints::impact)},
  };
}

HttpResponse PolicyToolEndpoints::explain(AdminCall& call) {
  struct Asked {
    std::string client;
    std::string purpose;
    std::string field;
  };
  const auto asked = AdminRequestBody::read(
      AdminRequestBody::parse(call.request.body), [](const ConfigNode& body) {
        body.allowOnlyKeys({"client", "purpose", "field"});
        return Asked{body.at("client").asString(), body.at("purpose").asString(),
                     body.at("field").asString()};
      });
  const auto snapshot = live_.current();
  const auto decided = PolicyExplanation::explain(snapshot->config, asked.client, asked.purpose,
                                                  asked.field, std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("client").string(decided.client).key("purpose").string(decided.purpose);
  json.key("field").string(decided.field).key("sharing").string(sharingClassName(decided.sharing));
  json.key("dataset").string(decided.dataset).key("effect").string(decided.effectName());
  json.key("policy");
  decided.policy.empty() ? json.null() : json.string(decided.policy);
  json.key("reason").string(decided.reason);
  json.key("mask");
  decided.effect == PolicyDecision::Effect::Allow ? json.string(maskKindName(decided.mask))
                                                  : json.null();
  json.key("case_required").boolean(decided.caseRequired);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "explained";
  return response;
}

HttpResponse PolicyToolEndpoints::impact(AdminCall& call) {
  const auto snapshot = live_.current();
  const auto proposal = readProposal(AdminRequestBody::parse(call.request.body));

  // The proposal is the configuration in force with those policies put and removed, validated
  // as a whole like a change: a proposal that could not be published is refused the same way.
  std::vector<std::string> put;
  for (const auto& item : proposal.put) {
    put.push_back(AdminRequestBody::read(
        item, [](const ConfigNode& node) { return node.at("id").asString(); }));
  }
  std::vector<ConfigDocument> documents;
  for (const auto& document : snapshot->config.documents) {
    const bool replaced = document.kind == "policies" &&
                          (contains(put, document.id) || contains(proposal.removed, document.id));
    if (!replaced) documents.push_back(document);
  }
  for (const auto& id : proposal.removed) {
    if (!holdsPolicy(*snapshot, id)) {
      throw Error(ErrorCode::NotFound, "no policies with id '" + id + "' to remove");
    }
  }
  for (std::size_t i = 0; i < proposal.put.size(); ++i) {
    documents.push_back(ConfigDocument{"policies", put[i], proposal.put[i]});
  }
  const auto proposed = buildConfiguration(snapshot->config.gateway, std::move(documents));

  const AuditTrailReader reader(snapshot->config.gateway.audit.path);
  const auto recent = reader.recentRequests(proposal.filter);
  const auto result = PolicyImpact::compute(snapshot->config, proposed, recent.requests,
                                            std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject();
  AdminJsonPieces::writeKeys("put", put, json);
  AdminJsonPieces::writeKeys("removed", proposal.removed, json);
  AdminJsonPieces::writeScan(recent.scan, json);
  result.writeMembers(json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "impact";
  return response;
}

}  // namespace oncegate
