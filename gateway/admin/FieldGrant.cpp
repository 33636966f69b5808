#include "gateway/admin/FieldGrant.h"

#include <utility>

namespace oncegate {

std::vector<FieldGrant> FieldGrant::of(std::string_view field, SharingClass sharing,
                                       const PolicySet& policies, const ClientDirectory& clients,
                                       TimePoint now) {
  std::vector<FieldGrant> grants;
  for (const auto& policy : policies.policies()) {
    if (policy.allowMatch(field) == nullptr && !policy.verifiesOnly(field)) continue;
    for (const auto& clientId : policy.clients()) {
      const Client* client = clients.find(clientId);
      if (client == nullptr) continue;
      for (const auto& purpose : policy.purposes()) {
        if (!client->allowsPurpose(purpose)) continue;
        const auto decision = policies.decide(clientId, purpose, field, sharing, now);
        FieldGrant grant;
        grant.policy = policy.id();
        grant.client = clientId;
        grant.department = client->department;
        grant.purpose = purpose;
        grant.inForce = policy.inForce(now);
        grant.validUntil = policy.validUntil();
        grant.effect = decision.effect;
        grant.mask =
            decision.effect == PolicyDecision::Effect::Allow ? decision.mask : MaskKind::None;
        grant.decidedBy = std::string(decision.policy);
        grants.push_back(std::move(grant));
      }
    }
  }
  return grants;
}

}  // namespace oncegate
