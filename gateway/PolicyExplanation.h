#pragma once

#include <string>
#include <string_view>

#include "common/SharingClass.h"
#include "gateway/Configuration.h"
#include "policies/PolicyDecision.h"

namespace oncegate {

// What the gateway decides when one client asks one field for one purpose, with everything a
// security officer needs to see why: shared by `oncegatectl explain` and the admin API.
struct PolicyExplanation {
  std::string client;
  std::string purpose;
  std::string field;
  SharingClass sharing = SharingClass::Conditional;
  std::string dataset;
  PolicyDecision::Effect effect = PolicyDecision::Effect::Deny;
  std::string policy;  // empty when a default rule decided
  std::string reason;
  MaskKind mask = MaskKind::None;  // meaningful for Allow
  bool caseRequired = false;

  // Decides as the gateway would at `now`. Throws Error(NotFound) naming an unknown client or
  // field.
  static PolicyExplanation explain(const Configuration& config, const std::string& client,
                                   const std::string& purpose, const std::string& field,
                                   PolicySet::TimePoint now);

  // "allow", "verify_only" or "deny".
  std::string_view effectName() const;
};

}  // namespace oncegate
