#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ConfigNode.h"
#include "policies/FieldPattern.h"
#include "policies/MaskKind.h"

namespace oncegate {

// A grant to some clients for some purposes: field patterns allowed, denied, and allowed for
// verification only, masks, a validity window and whether a case number is required.
class Policy {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct MaskRule {
    FieldPattern pattern;
    MaskKind kind = MaskKind::None;
  };

  // One item of a `policies:` list: { id, clients, purposes, allow, deny, verify_only, mask,
  // valid_until, require_case, confidential, disclose_after, description }; confidential: true
  // and disclose_after come together or not at all. Whether the clients exist is checked by
  // PolicySet.
  static Policy parse(const ConfigNode& item);

  const std::string& id() const { return id_; }
  const std::vector<std::string>& clients() const { return clients_; }
  const std::vector<std::string>& purposes() const { return purposes_; }
  const std::vector<FieldPattern>& allow() const { return allow_; }
  const std::vector<FieldPattern>& deny() const { return deny_; }
  const std::vector<FieldPattern>& verifyOnly() const { return verifyOnly_; }
  const std::vector<MaskRule>& masks() const { return masks_; }
  // The last day of validity as written ("2027-12-31"); empty when the policy never expires.
  const std::string& validUntil() const { return validUntilText_; }
  bool requireCase() const { return requireCase_; }
  // A confidential policy (an investigation) keeps the accesses made under it out of the
  // citizen's view (/v1/accesses) until this day, written YYYY-MM-DD and read as a UTC date: they
  // show from that day on. Empty when the policy is not confidential. Auditors see them always.
  const std::string& discloseAfter() const { return discloseAfter_; }
  const std::string& description() const { return description_; }
  const std::string& location() const { return location_; }

  // valid_until is inclusive and read in UTC: a policy valid until 2027-12-31 is in force until
  // 2028-01-01T00:00:00Z.
  bool inForce(TimePoint now) const { return !expiresAt_ || now < *expiresAt_; }

  // The narrowest matching pattern of each list, or nullptr.
  const FieldPattern* allowMatch(std::string_view field) const;
  bool denies(std::string_view field) const;
  bool verifiesOnly(std::string_view field) const;
  // The mask of the most specific matching mask pattern (an exact id beats a prefix, a longer
  // prefix beats a shorter one); None when no pattern matches.
  MaskKind maskFor(std::string_view field) const;

 private:
  std::string id_;
  std::vector<std::string> clients_;
  std::vector<std::string> purposes_;
  std::vector<FieldPattern> allow_;
  std::vector<FieldPattern> deny_;
  std::vector<FieldPattern> verifyOnly_;
  std::vector<MaskRule> masks_;
  std::string validUntilText_;
  std::optional<TimePoint> expiresAt_;  // the first instant the policy is no longer in force
  bool requireCase_ = false;
  std::string discloseAfter_;
  std::string description_;
  std::string location_;
};

// Every item of a `policies:` list.
std::vector<Policy> parsePolicies(const ConfigNode& list);

}  // namespace oncegate
