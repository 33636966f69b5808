#include "policies/PolicySet.h"

#include <algorithm>

#include "common/Error.h"

namespace oncegate {

PolicySet PolicySet::build(std::vector<Policy> policies, const ClientDirectory& clients) {
  PolicySet set;
  set.policies_ = std::move(policies);
  std::string problems;
  const auto report = [&problems](const Policy& policy, const std::string& problem) {
    if (!problems.empty()) problems.push_back('\n');
    problems += policy.location() + ": " + problem;
  };

  // Every purpose a client has gets an entry, even without policies: unconditional fields are
  // readable for any of the client's purposes.
  for (const auto& client : clients.clients()) {
    auto& purposes = set.grants_[client.id];
    for (const auto& purpose : client.purposes) purposes.try_emplace(purpose);
  }

  for (std::size_t i = 0; i < set.policies_.size(); ++i) {
    const auto& policy = set.policies_[i];
    if (auto [it, inserted] = set.byId_.emplace(policy.id(), i); !inserted) {
      report(policy, "duplicate policy id '" + policy.id() + "' (first defined at " +
                         set.policies_[it->second].location() + ")");
    }
    for (const auto& clientId : policy.clients()) {
      const Client* client = clients.find(clientId);
      if (client == nullptr) {
        report(policy, "policy '" + policy.id() + "' names unknown client '" + clientId + "'");
        continue;
      }
      for (const auto& purpose : policy.purposes()) {
        if (!client->allowsPurpose(purpose)) {
          report(policy, "policy '" + policy.id() + "' grants purpose '" + purpose +
                             "' to client '" + clientId +
                             "', which is not among the client's purposes");
          continue;
        }
        auto& indexes = set.grants_[clientId][purpose];
        if (indexes.empty() || indexes.back() != i) indexes.push_back(i);
      }
    }
  }
  if (!problems.empty()) throw Error(ErrorCode::InvalidConfig, problems);
  return set;
}

const std::vector<std::size_t>* PolicySet::grantsFor(std::string_view client,
                                                     std::string_view purpose) const {
  const auto clientIt = grants_.find(client);
  if (clientIt == grants_.end()) return nullptr;
  const auto purposeIt = clientIt->second.find(purpose);
  return purposeIt == clientIt->second.end() ? nullptr : &purposeIt->second;
}

PolicyDecision PolicySet::decide(std::string_view client, std::string_view purpose,
                                 std::string_view field, SharingClass sharing,
                                 TimePoint now) const {
  return forPurpose(client, purpose).decide(field, sharing, now);
}

PolicySet::ForPurpose::ForPurpose(const PolicySet& set, std::string_view client,
                                  std::string_view purpose)
    : set_(set), client_(client), purpose_(purpose), grants_(set.grantsFor(client, purpose)) {}

PolicyDecision PolicySet::ForPurpose::decide(std::string_view field, SharingClass sharing,
                                             TimePoint now) const {
  using Effect = PolicyDecision::Effect;
  if (sharing == SharingClass::None) {
    return {Effect::Deny, MaskKind::None, {}, "sharing class none: never shared"};
  }
  if (grants_ == nullptr) {
    return {
        Effect::Deny,
        MaskKind::None,
        {},
        "purpose " + std::string(purpose_) + " is not allowed for client " + std::string(client_)};
  }

  const Policy* allowing = nullptr;
  const FieldPattern* allowPattern = nullptr;
  const Policy* verifying = nullptr;
  const Policy* expired = nullptr;
  for (const auto index : *grants_) {
    const Policy& policy = set_.policies_[index];
    if (!policy.inForce(now)) {
      if (expired == nullptr &&
          (policy.allowMatch(field) != nullptr || policy.verifiesOnly(field))) {
        expired = &policy;
      }
      continue;
    }
    if (policy.denies(field)) {
      return {Effect::Deny, MaskKind::None, policy.id(), "denied by policy " + policy.id()};
    }
    if (verifying == nullptr && policy.verifiesOnly(field)) verifying = &policy;
    const FieldPattern* match = policy.allowMatch(field);
    if (match != nullptr &&
        (allowPattern == nullptr || match->specificity() > allowPattern->specificity())) {
      allowing = &policy;
      allowPattern = match;
    }
  }

  if (verifying != nullptr) return {Effect::VerifyOnly, MaskKind::None, verifying->id(), {}};
  if (allowing != nullptr || sharing == SharingClass::Unconditional) {
    // Every mask a policy in force writes for this field applies, whichever policy grants it (an
    // unconditional field needs no grant): one policy's grant without a mask must not drop
    // another's mask.
    MaskKind mask = MaskKind::None;
    const Policy* masking = nullptr;
    for (const auto index : *grants_) {
      const Policy& policy = set_.policies_[index];
      if (!policy.inForce(now)) continue;
      const auto next = mostRestrictive(mask, policy.maskFor(field));
      if (next != mask) masking = &policy;
      mask = next;
    }
    const Policy* deciding = allowing != nullptr ? allowing : masking;
    return {Effect::Allow, mask, deciding != nullptr ? std::string_view(deciding->id()) : "", {}};
  }
  if (expired != nullptr) {
    return {Effect::Deny, MaskKind::None, expired->id(),
            "grant " + expired->id() + " expired on " + expired->validUntil()};
  }
  return {Effect::Deny,
          MaskKind::None,
          {},
          "no grant for " + std::string(client_) + "/" + std::string(purpose_)};
}

bool PolicySet::requiresCase(std::string_view client, std::string_view purpose,
                             TimePoint now) const {
  const auto* grants = grantsFor(client, purpose);
  if (grants == nullptr) return false;
  for (const auto index : *grants) {
    const Policy& policy = policies_[index];
    if (policy.requireCase() && policy.inForce(now)) return true;
  }
  return false;
}

std::string PolicySet::discloseAfter(std::string_view client, std::string_view purpose) const {
  std::string latest;
  const auto* grants = grantsFor(client, purpose);
  if (grants == nullptr) return latest;
  // YYYY-MM-DD compares as the dates do.
  for (const auto index : *grants) latest = std::max(latest, policies_[index].discloseAfter());
  return latest;
}

const Policy* PolicySet::find(std::string_view id) const {
  const auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &policies_[it->second];
}

}  // namespace oncegate
