#pragma once

#include <cstdint>
#include <string>

#include "policies/MaskKind.h"

namespace oncegate {

// What a client may see of one field for one purpose, and why.
struct PolicyDecision {
  enum class Effect : std::uint8_t { Allow, VerifyOnly, Deny };

  Effect effect = Effect::Deny;
  MaskKind mask = MaskKind::None;  // for Allow
  std::string policy;              // id of the policy that decided; empty for a default
  // For denials, human-readable: "no grant for retirement-app/retirement", "denied by policy
  // retirement-personnel", "sharing class none: never shared", "grant X expired on 2025-12-31".
  std::string reason;
};

}  // namespace oncegate
