#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/SharingClass.h"
#include "gateway/config/Configuration.h"
#include "policies/PolicyDecision.h"

namespace oncegate {

// What the gateway decides when one client asks one field for one purpose, with everything a
// security officer needs to see why: shared by `oncegatectl explain`, the admin API and the
// policy impact replay, so that all three decide exactly as one.
struct PolicyExplanation {
  // Whether the client and the field exist in the configuration decided against.
  enum class Lookup : std::uint8_t { Found, UnknownClient, UnknownField };

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
  Lookup lookup = Lookup::Found;
  // The request had no case number and a policy requires one: the gateway refuses it whole.
  bool caseRefused = false;

  // Decides as the gateway would at `now`. Throws Error(NotFound) naming an unknown client or
  // field.
  static PolicyExplanation explain(const Configuration& config, const std::string& client,
                                   const std::string& purpose, const std::string& field,
                                   PolicySet::TimePoint now);

  // Decides as the gateway would at `now` for a request with or without a case number; never
  // throws: an unknown client or field is a Deny saying so (`lookup`), and a missing case number
  // that a policy in force requires is a Deny naming that policy (`caseRefused`).
  static PolicyExplanation decide(const Configuration& config, std::string_view client,
                                  std::string_view purpose, std::string_view field,
                                  PolicySet::TimePoint now, bool casePresent = true);

  // "allow", "verify_only" or "deny".
  std::string_view effectName() const;
};

}  // namespace oncegate
