#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/SharingClass.h"
#include "policies/ClientDirectory.h"
#include "policies/PolicyDecision.h"
#include "policies/PolicySet.h"

namespace oncegate {

// One policy's grant of one field to one client for one purpose, with what that client actually
// gets for that purpose once every policy has had its say (another policy may deny it, or mask
// it further). What the catalogue's field page shows a DBA, who may not read policies themselves:
// which policies name the field, never the rest of them.
struct FieldGrant {
  using TimePoint = std::chrono::system_clock::time_point;

  std::string policy;  // the policy whose allow or verify_only names the field
  std::string client;
  std::string department;  // the client's
  std::string purpose;
  bool inForce = false;
  std::string validUntil;  // as written; empty: never expires
  // PolicySet::decide for client x purpose x field at `now`.
  PolicyDecision::Effect effect = PolicyDecision::Effect::Deny;
  MaskKind mask = MaskKind::None;  // when Allow
  std::string decidedBy;           // the policy that decided; empty for a default rule

  // Every grant of `field` (of sharing class `sharing`), in policy order, then client and
  // purpose as the policy lists them. A purpose the client does not have is left out (the
  // policy set refuses such a policy anyway).
  static std::vector<FieldGrant> of(std::string_view field, SharingClass sharing,
                                    const PolicySet& policies, const ClientDirectory& clients,
                                    TimePoint now);
};

}  // namespace oncegate
