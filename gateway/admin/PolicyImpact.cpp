#include "gateway/admin/PolicyImpact.h"

#include <optional>
#include <set>

#include "common/JsonWriter.h"
#include "gateway/audit/AuditTrailReader.h"

namespace oncegate {

namespace {

using Effect = PolicyDecision::Effect;
using ChangeKind = PolicyImpact::ChangeKind;

std::optional<ChangeKind> changeBetween(const PolicyExplanation& before,
                                        const PolicyExplanation& after, std::string_view route) {
  const bool deniedBefore = before.effect == Effect::Deny;
  const bool deniedAfter = after.effect == Effect::Deny;
  if (!deniedBefore && deniedAfter) return ChangeKind::NewlyDenied;
  if (deniedBefore && !deniedAfter) return ChangeKind::NewlyAllowed;
  if (before.effect != after.effect) return ChangeKind::VerifyOnlyChanged;
  if (before.effect == Effect::Allow && before.mask != after.mask &&
      route != AuditTrailReader::kVerifyRoute) {
    return ChangeKind::MaskChanged;
  }
  return std::nullopt;
}

void writeSide(JsonWriter& json, const PolicyExplanation& side) {
  json.beginObject().key("effect").string(side.effectName()).key("policy");
  side.policy.empty() ? json.null() : json.string(side.policy);
  json.key("reason").string(side.reason).key("mask");
  side.effect == Effect::Allow ? json.string(maskKindName(side.mask)) : json.null();
  if (side.lookup == PolicyExplanation::Lookup::UnknownClient)
    json.key("unknown_client").boolean(true);
  if (side.lookup == PolicyExplanation::Lookup::UnknownField)
    json.key("unknown_field").boolean(true);
  if (side.caseRefused) json.key("case_required").boolean(true);
  json.endObject();
}

void writeNames(JsonWriter& json, const std::vector<std::string>& names) {
  json.beginArray();
  for (const auto& name : names) json.string(name);
  json.endArray();
}

}  // namespace

PolicyImpact PolicyImpact::compute(const Configuration& current, const Configuration& proposed,
                                   const std::vector<AuditedRequest>& requests,
                                   PolicySet::TimePoint now, std::size_t maxChanges) {
  PolicyImpact impact;
  auto& summary = impact.summary;
  std::set<std::string> clients;
  std::set<std::string> purposes;
  for (const auto& request : requests) {
    ++summary.requestsExamined;
    for (const auto& [field, recorded] : request.fields) {
      ++summary.fieldDecisionsExamined;
      auto before = PolicyExplanation::decide(current, request.client, request.purpose, field, now,
                                              request.casePresent);
      auto after = PolicyExplanation::decide(proposed, request.client, request.purpose, field, now,
                                             request.casePresent);
      using Lookup = PolicyExplanation::Lookup;
      if (before.lookup != Lookup::Found || after.lookup != Lookup::Found) ++summary.unknown;
      const auto kind = changeBetween(before, after, request.route);
      if (!kind) continue;
      switch (*kind) {
        case ChangeKind::NewlyDenied:
          ++summary.newlyDenied;
          break;
        case ChangeKind::NewlyAllowed:
          ++summary.newlyAllowed;
          break;
        case ChangeKind::VerifyOnlyChanged:
          ++summary.verifyOnlyChanged;
          break;
        case ChangeKind::MaskChanged:
          ++summary.maskChanged;
          break;
      }
      clients.insert(request.client);
      purposes.insert(request.purpose);
      if (impact.changes.size() >= maxChanges) {
        impact.truncated = true;
        continue;
      }
      impact.changes.push_back(Change{request.requestId, request.time, request.route,
                                      request.client, request.purpose, field, recorded, *kind,
                                      std::move(before), std::move(after)});
    }
  }
  summary.clients.assign(clients.begin(), clients.end());
  summary.purposes.assign(purposes.begin(), purposes.end());
  return impact;
}

std::string_view PolicyImpact::changeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::NewlyDenied:
      return "newly_denied";
    case ChangeKind::NewlyAllowed:
      return "newly_allowed";
    case ChangeKind::VerifyOnlyChanged:
      return "verify_only_changed";
    case ChangeKind::MaskChanged:
      return "mask_changed";
  }
  return "newly_denied";
}

void PolicyImpact::writeMembers(JsonWriter& json) const {
  const auto count = [](std::size_t n) { return static_cast<std::int64_t>(n); };
  json.key("summary").beginObject();
  json.key("requests_examined").integer(count(summary.requestsExamined));
  json.key("field_decisions_examined").integer(count(summary.fieldDecisionsExamined));
  json.key("newly_denied").integer(count(summary.newlyDenied));
  json.key("newly_allowed").integer(count(summary.newlyAllowed));
  json.key("mask_changed").integer(count(summary.maskChanged));
  json.key("verify_only_changed").integer(count(summary.verifyOnlyChanged));
  json.key("unknown").integer(count(summary.unknown));
  json.key("clients");
  writeNames(json, summary.clients);
  json.key("purposes");
  writeNames(json, summary.purposes);
  json.endObject();
  json.key("changes").beginArray();
  for (const auto& change : changes) {
    json.beginObject().key("request_id").string(change.requestId).key("time").string(change.time);
    json.key("route").string(change.route).key("client").string(change.client);
    json.key("purpose").string(change.purpose).key("field").string(change.field);
    json.key("recorded").string(change.recorded).key("change").string(changeKindName(change.kind));
    json.key("before");
    writeSide(json, change.before);
    json.key("after");
    writeSide(json, change.after);
    json.endObject();
  }
  json.endArray().key("truncated").boolean(truncated);
}

}  // namespace oncegate
