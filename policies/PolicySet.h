#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/SharingClass.h"
#include "policies/ClientDirectory.h"
#include "policies/Policy.h"
#include "policies/PolicyDecision.h"

namespace oncegate {

// All policies in force, indexed per client and purpose so that deciding on one field is a
// couple of hash lookups and a scan of the few policies for that pair. Default: deny.
class PolicySet {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Rejects, together as one Error(InvalidConfig) with one "file:line: problem" per line:
  // duplicate policy ids, unknown clients, and purposes the named client may not use.
  static PolicySet build(std::vector<Policy> policies, const ClientDirectory& clients);

  // Rules, in order: sharing class none -> Deny; a purpose the client may not use -> Deny; among
  // the policies in force for client x purpose, any deny match -> Deny; else any verify_only
  // match -> VerifyOnly; else an allow match (the policy with the narrowest matching allow
  // pattern decides; ties: the earlier policy) or sharing class unconditional -> Allow, with the
  // most restrictive mask any policy in force for client x purpose gives the field
  // (mostRestrictive in MaskKind.h); else Deny, with the expiry as reason when an expired policy
  // would have granted the field.
  PolicyDecision decide(std::string_view client, std::string_view purpose, std::string_view field,
                        SharingClass sharing, TimePoint now) const;

  // decide() for many fields of one client x purpose (a request's), with the pair looked up
  // once rather than per field. Views the set and both names: it lives no longer than they do.
  class ForPurpose {
   public:
    PolicyDecision decide(std::string_view field, SharingClass sharing, TimePoint now) const;

   private:
    friend class PolicySet;
    ForPurpose(const PolicySet& set, std::string_view client, std::string_view purpose);
    const PolicySet& set_;
    std::string_view client_;
    std::string_view purpose_;
    const std::vector<std::size_t>* grants_;
  };
  ForPurpose forPurpose(std::string_view client, std::string_view purpose) const {
    return ForPurpose(*this, client, purpose);
  }

  // True when a policy in force for client x purpose has require_case: requests need a case
  // number.
  bool requiresCase(std::string_view client, std::string_view purpose, TimePoint now) const;

  // The latest disclose_after of the confidential policies that name client x purpose, in force
  // or not (an investigation's accesses stay hidden even after its grant ended), or "" when none
  // is confidential: what the audit record of such a request carries.
  std::string discloseAfter(std::string_view client, std::string_view purpose) const;

  const Policy* find(std::string_view id) const;
  const std::vector<Policy>& policies() const { return policies_; }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  template <typename T>
  using NameMap = std::unordered_map<std::string, T, NameHash, std::equal_to<>>;

  // The policies for client x purpose (indexes, in configuration order), or nullptr when the
  // client does not have that purpose.
  const std::vector<std::size_t>* grantsFor(std::string_view client,
                                            std::string_view purpose) const;

  std::vector<Policy> policies_;
  NameMap<std::size_t> byId_;
  NameMap<NameMap<std::vector<std::size_t>>> grants_;  // client -> purpose -> policies
};

}  // namespace oncegate
