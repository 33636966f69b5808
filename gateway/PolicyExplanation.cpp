#include "gateway/PolicyExplanation.h"

#include "common/Error.h"

namespace oncegate {

PolicyExplanation PolicyExplanation::explain(const Configuration& config, const std::string& client,
                                             const std::string& purpose, const std::string& field,
                                             PolicySet::TimePoint now) {
  if (config.clients.find(client) == nullptr) {
    throw Error(ErrorCode::NotFound, "unknown client '" + client + "': no such id under clients:");
  }
  const Field* found = config.mappings.field(field);
  if (found == nullptr) {
    throw Error(ErrorCode::NotFound, "unknown field '" + field + "': no such id under fields:");
  }
  const auto decision = config.policies.decide(client, purpose, field, found->sharing(), now);
  PolicyExplanation out;
  out.client = client;
  out.purpose = purpose;
  out.field = field;
  out.sharing = found->sharing();
  out.dataset = found->dataset();
  out.effect = decision.effect;
  out.policy = std::string(decision.policy);
  out.reason = decision.reason;
  out.mask = decision.mask;
  out.caseRequired = config.policies.requiresCase(client, purpose, now);
  return out;
}

std::string_view PolicyExplanation::effectName() const {
  switch (effect) {
    case PolicyDecision::Effect::Allow:
      return "allow";
    case PolicyDecision::Effect::VerifyOnly:
      return "verify_only";
    case PolicyDecision::Effect::Deny:
      return "deny";
  }
  return "deny";
}

}  // namespace oncegate
