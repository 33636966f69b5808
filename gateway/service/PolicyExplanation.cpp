#include "gateway/service/PolicyExplanation.h"

#include <algorithm>

#include "common/Error.h"
#include "policies/Client.h"

namespace oncegate {

namespace {

bool names(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// The first policy in force that requires a case number of client x purpose (the one
// PolicySet::requiresCase found), so that a refusal can name it.
std::string caseRequiringPolicy(const PolicySet& policies, std::string_view client,
                                std::string_view purpose, PolicySet::TimePoint now) {
  for (const auto& policy : policies.policies()) {
    if (policy.requireCase() && policy.inForce(now) && names(policy.clients(), client) &&
        names(policy.purposes(), purpose)) {
      return policy.id();
    }
  }
  return {};
}

}  // namespace

PolicyExplanation PolicyExplanation::explain(const Configuration& config, const std::string& client,
                                             const std::string& purpose, const std::string& field,
                                             PolicySet::TimePoint now) {
  auto out = decide(config, client, purpose, field, now);
  if (out.lookup == Lookup::UnknownClient) {
    throw Error(ErrorCode::NotFound, "unknown client '" + client + "': no such id under clients:");
  }
  if (out.lookup == Lookup::UnknownField) {
    throw Error(ErrorCode::NotFound, "unknown field '" + field + "': no such id under fields:");
  }
  return out;
}

PolicyExplanation PolicyExplanation::decide(const Configuration& config, std::string_view client,
                                            std::string_view purpose, std::string_view field,
                                            PolicySet::TimePoint now, bool casePresent) {
  PolicyExplanation out;
  out.client = std::string(client);
  out.purpose = std::string(purpose);
  out.field = std::string(field);
  const Client* asking = config.clients.find(client);
  if (asking == nullptr) {
    out.lookup = Lookup::UnknownClient;
    out.reason = "unknown client '" + out.client + "'";
    return out;
  }
  const Field* found = config.mappings.field(field);
  if (found == nullptr) {
    out.lookup = Lookup::UnknownField;
    out.reason = "unknown field '" + out.field + "'";
    return out;
  }
  out.sharing = found->sharing();
  out.dataset = found->dataset();
  if (!asking->allowsPurpose(purpose)) {
    // As the gateway does: a purpose the client is not registered for refuses the request whole,
    // whatever a policy grants.
    out.reason = "purpose '" + out.purpose + "' is not allowed for client '" + out.client + "'";
    return out;
  }
  const auto decision = config.policies.decide(client, purpose, field, found->sharing(), now);
  out.effect = decision.effect;
  out.policy = std::string(decision.policy);
  out.reason = decision.reason;
  out.mask = decision.mask;
  out.caseRequired = config.policies.requiresCase(client, purpose, now);
  if (out.caseRequired && !casePresent) {
    // As the gateway does: the whole request is refused before any field is decided.
    out.caseRefused = true;
    out.effect = PolicyDecision::Effect::Deny;
    out.mask = MaskKind::None;
    out.policy = caseRequiringPolicy(config.policies, client, purpose, now);
    out.reason = "a case number is required for purpose '" + out.purpose + "'";
  }
  return out;
}

std::string_view PolicyExplanation::effectName() const {
  return PolicyDecision::effectName(effect);
}

}  // namespace oncegate
