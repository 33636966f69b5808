#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "policies/MaskKind.h"

namespace oncegate {

// What a client may see of one field for one purpose, and why.
struct PolicyDecision {
  enum class Effect : std::uint8_t { Allow, VerifyOnly, Deny };

  Effect effect = Effect::Deny;
  MaskKind mask = MaskKind::None;  // for Allow
  // Id of the policy that decided, empty for a default rule. It views the PolicySet's own copy
  // (decisions are made per field per request: no allocation for the common case).
  std::string_view policy;
  // For denials, human-readable: "no grant for retirement-app/retirement", "denied by policy
  // retirement-personnel", "sharing class none: never shared", "grant X expired on 2025-12-31".
  std::string reason;

  // The effect as the API and the audit trail name it: "allow", "verify_only", "deny".
  static constexpr std::string_view effectName(Effect effect) {
    switch (effect) {
      case Effect::Allow:
        return "allow";
      case Effect::VerifyOnly:
        return "verify_only";
      case Effect::Deny:
        return "deny";
    }
    return "deny";
  }
};

}  // namespace oncegate
