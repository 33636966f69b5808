#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/Digest.h"
#include "common/Error.h"
#include "policies/PolicySet.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using Effect = PolicyDecision::Effect;
using std::chrono::sys_days;
using Clock = std::chrono::system_clock;

const std::string kClients = "- { id: retirement-app, api_key_sha256: \"" + sha256Hex("k1") +
                             "\", purposes: [retirement, pension] }\n"
                             "- { id: audit-app, api_key_sha256: \"" +
                             sha256Hex("k2") + "\", purposes: [audit] }\n";

constexpr const char* kPolicies = R"(- id: retirement-personnel
  clients: [retirement-app]
  purposes: [retirement]
  allow: ["person.*", "fund.balance", "fund.secret"]
  deny: ["person.health.*"]
  verify_only: ["person.phone"]
  mask: { person.id_card: show_last_4, "person.*": redact, person.name: none }
  valid_until: 2027-12-31
  require_case: true
- id: retirement-extra
  clients: [retirement-app]
  purposes: [retirement]
  allow: ["person.health.summary", "fund.*"]
  deny: ["fund.secret"]
  mask: { "fund.*": hash, open.id: show_last_4 }
- id: retirement-old
  clients: [retirement-app]
  purposes: [retirement]
  allow: ["legacy.*"]
  valid_until: 2025-12-31
- id: pension-basic
  clients: [retirement-app]
  purposes: [pension]
  allow: [person.name]
)";

ClientDirectory directory() {
  return ClientDirectory::build(parseClients(ConfigNode::parse(kClients, "clients.yaml")));
}

PolicySet policySet(const std::string& text) {
  return PolicySet::build(parsePolicies(ConfigNode::parse(text, "test.yaml")), directory());
}

std::string errorOf(const std::string& text) {
  try {
    policySet(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

Clock::time_point at(int year, unsigned month, unsigned day, int hour = 12, int second = 0) {
  return sys_days{std::chrono::year{year} / month / day} + std::chrono::hours(hour) +
         std::chrono::seconds(second);
}

class PolicySetTest : public ::testing::Test {
 protected:
  PolicyDecision decide(std::string_view field, SharingClass sharing = SharingClass::Conditional,
                        Clock::time_point now = at(2026, 6, 1)) const {
    return policies_.decide("retirement-app", "retirement", field, sharing, now);
  }

  PolicySet policies_ = policySet(kPolicies);
};

TEST_F(PolicySetTest, AllowsGrantedFields) {
  const auto decision = decide("person.name");
  EXPECT_EQ(decision.effect, Effect::Allow);
  EXPECT_EQ(decision.mask, MaskKind::None);
  EXPECT_EQ(decision.policy, "retirement-personnel");
  EXPECT_EQ(decision.reason, "");
}

TEST_F(PolicySetTest, DenyWinsOverAllowInTheSamePolicy) {
  const auto decision = decide("person.health.blood_type");
  EXPECT_EQ(decision.effect, Effect::Deny);
  EXPECT_EQ(decision.policy, "retirement-personnel");
  EXPECT_EQ(decision.reason, "denied by policy retirement-personnel");
}

TEST_F(PolicySetTest, DenyWinsOverAllowInAnotherPolicy) {
  // retirement-extra allows person.health.summary exactly; retirement-personnel denies it.
  EXPECT_EQ(decide("person.health.summary").effect, Effect::Deny);
  // retirement-personnel allows fund.secret exactly; retirement-extra denies it.
  const auto decision = decide("fund.secret");
  EXPECT_EQ(decision.effect, Effect::Deny);
  EXPECT_EQ(decision.reason, "denied by policy retirement-extra");
}

TEST_F(PolicySetTest, DenyWinsEvenForUnconditionalFields) {
  EXPECT_EQ(decide("person.health.x", SharingClass::Unconditional).effect, Effect::Deny);
}

TEST_F(PolicySetTest, VerifyOnlyIsStricterThanAllow) {
  const auto decision = decide("person.phone");
  EXPECT_EQ(decision.effect, Effect::VerifyOnly);
  EXPECT_EQ(decision.policy, "retirement-personnel");
}

TEST_F(PolicySetTest, MostSpecificMaskPatternApplies) {
  EXPECT_EQ(decide("person.id_card").mask, MaskKind::ShowLast4);
  EXPECT_EQ(decide("person.birth_date").mask, MaskKind::Redact);
  EXPECT_EQ(decide("person.name").mask, MaskKind::None);
}

TEST_F(PolicySetTest, NarrowestAllowPatternChoosesThePolicyMasksComeFromAll) {
  const auto exact = decide("fund.balance");
  EXPECT_EQ(exact.effect, Effect::Allow);
  EXPECT_EQ(exact.policy, "retirement-personnel");
  // retirement-personnel grants it unmasked, retirement-extra hashes fund.*: the hash stays.
  EXPECT_EQ(exact.mask, MaskKind::Hash);
  const auto byPrefix = decide("fund.status");
  EXPECT_EQ(byPrefix.effect, Effect::Allow);
  EXPECT_EQ(byPrefix.policy, "retirement-extra");
  EXPECT_EQ(byPrefix.mask, MaskKind::Hash);
}

// Issue 9, finding 8: a grant without a mask in one policy dropped another policy's mask.
TEST(PolicySetMaskTest, TheMostRestrictiveMaskOfAllPoliciesInForceApplies) {
  const auto set = policySet(R"(- { id: open, clients: [retirement-app], purposes: [retirement],
    allow: ["person.*"] }
- { id: partial-a, clients: [retirement-app], purposes: [retirement],
    allow: [person.a], mask: { person.a: show_last_4, person.b: show_first_1, person.c: hash,
                               person.d: year_only, person.e: show_last_4 } }
- { id: partial-b, clients: [retirement-app], purposes: [retirement],
    allow: [person.x], mask: { person.b: show_first_1, person.c: show_last_4, person.d: redact,
                               person.e: year_only } }
- { id: expired, clients: [retirement-app], purposes: [retirement], allow: [person.a],
    mask: { person.a: redact }, valid_until: 2020-01-01 }
)");
  const auto decide = [&](std::string_view field) {
    return set.decide("retirement-app", "retirement", field, SharingClass::Conditional,
                      at(2026, 6, 1));
  };
  EXPECT_EQ(decide("person.a").mask, MaskKind::ShowLast4);   // none < partial; expired ignored
  EXPECT_EQ(decide("person.b").mask, MaskKind::ShowFirst1);  // the same partial twice
  EXPECT_EQ(decide("person.c").mask, MaskKind::Hash);        // hash > partial
  EXPECT_EQ(decide("person.d").mask, MaskKind::Redact);      // redact > everything
  EXPECT_EQ(decide("person.e").mask, MaskKind::Redact);      // two different partials
  EXPECT_EQ(decide("person.z").mask, MaskKind::None);
  EXPECT_EQ(decide("person.a").policy, "partial-a");  // the narrowest grant still decides
}

TEST(PolicySetMaskTest, MostRestrictiveIsAnOrder) {
  const MaskKind all[] = {MaskKind::None,     MaskKind::ShowLast4, MaskKind::ShowFirst1,
                          MaskKind::YearOnly, MaskKind::Hash,      MaskKind::Redact};
  for (const auto a : all) {
    EXPECT_EQ(mostRestrictive(a, MaskKind::None), a);
    EXPECT_EQ(mostRestrictive(a, MaskKind::Redact), MaskKind::Redact);
    for (const auto b : all) EXPECT_EQ(mostRestrictive(a, b), mostRestrictive(b, a));
  }
  EXPECT_EQ(mostRestrictive(MaskKind::YearOnly, MaskKind::Hash), MaskKind::Hash);
  EXPECT_EQ(mostRestrictive(MaskKind::ShowFirst1, MaskKind::YearOnly), MaskKind::Redact);
}

TEST_F(PolicySetTest, NoGrantMeansDeny) {
  const auto decision = decide("tax.income");
  EXPECT_EQ(decision.effect, Effect::Deny);
  EXPECT_EQ(decision.policy, "");
  EXPECT_EQ(decision.reason, "no grant for retirement-app/retirement");
}

TEST_F(PolicySetTest, UnconditionalFieldsNeedNoGrant) {
  const auto decision = decide("tax.income", SharingClass::Unconditional);
  EXPECT_EQ(decision.effect, Effect::Allow);
  EXPECT_EQ(decision.mask, MaskKind::None);
  EXPECT_EQ(decision.policy, "");
  const auto other = policies_.decide("audit-app", "audit", "tax.income",
                                      SharingClass::Unconditional, at(2026, 6, 1));
  EXPECT_EQ(other.effect, Effect::Allow);
}

TEST_F(PolicySetTest, UnconditionalFieldsKeepTheMasksOfPoliciesInForce) {
  const auto decision = decide("open.id", SharingClass::Unconditional);
  EXPECT_EQ(decision.effect, Effect::Allow);
  EXPECT_EQ(decision.mask, MaskKind::ShowLast4);
  EXPECT_EQ(decision.policy, "retirement-extra");
}

TEST_F(PolicySetTest, SharingClassNoneIsNeverShared) {
  const auto decision = decide("person.name", SharingClass::None);
  EXPECT_EQ(decision.effect, Effect::Deny);
  EXPECT_EQ(decision.reason, "sharing class none: never shared");
}

TEST_F(PolicySetTest, GrantIsValidThroughTheLastDayInUtc) {
  const auto lastSecond =
      decide("legacy.record", SharingClass::Conditional, at(2025, 12, 31, 23, 3599));
  EXPECT_EQ(lastSecond.effect, Effect::Allow);
  EXPECT_EQ(lastSecond.policy, "retirement-old");
  const auto nextDay = decide("legacy.record", SharingClass::Conditional, at(2026, 1, 1, 0));
  EXPECT_EQ(nextDay.effect, Effect::Deny);
  EXPECT_EQ(nextDay.policy, "retirement-old");
  EXPECT_EQ(nextDay.reason, "grant retirement-old expired on 2025-12-31");
}

TEST_F(PolicySetTest, ExpiredPoliciesNeitherAllowNorDeny) {
  const auto later = at(2028, 1, 1, 0);
  EXPECT_EQ(decide("person.name", SharingClass::Conditional, later).reason,
            "grant retirement-personnel expired on 2027-12-31");
  // Its deny of person.health.* is gone too: retirement-extra's allow now stands.
  EXPECT_EQ(decide("person.health.summary", SharingClass::Conditional, later).effect,
            Effect::Allow);
}

TEST_F(PolicySetTest, RequireCaseWhileAPolicyInForceSaysSo) {
  EXPECT_TRUE(policies_.requiresCase("retirement-app", "retirement", at(2026, 6, 1)));
  EXPECT_FALSE(policies_.requiresCase("retirement-app", "pension", at(2026, 6, 1)));
  EXPECT_FALSE(policies_.requiresCase("retirement-app", "retirement", at(2028, 1, 1)));
  EXPECT_FALSE(policies_.requiresCase("audit-app", "audit", at(2026, 6, 1)));
  EXPECT_FALSE(policies_.requiresCase("ghost", "retirement", at(2026, 6, 1)));
}

TEST_F(PolicySetTest, PoliciesApplyPerPurpose) {
  const auto now = at(2026, 6, 1);
  EXPECT_EQ(
      policies_.decide("retirement-app", "pension", "person.name", SharingClass::Conditional, now)
          .policy,
      "pension-basic");
  EXPECT_EQ(
      policies_
          .decide("retirement-app", "pension", "person.birth_date", SharingClass::Conditional, now)
          .reason,
      "no grant for retirement-app/pension");
  EXPECT_EQ(
      policies_.decide("audit-app", "audit", "person.name", SharingClass::Conditional, now).reason,
      "no grant for audit-app/audit");
}

TEST_F(PolicySetTest, PurposeTheClientMayNotUseIsDenied) {
  const auto now = at(2026, 6, 1);
  const auto decision =
      policies_.decide("audit-app", "retirement", "person.name", SharingClass::Unconditional, now);
  EXPECT_EQ(decision.effect, Effect::Deny);
  EXPECT_EQ(decision.reason, "purpose retirement is not allowed for client audit-app");
  EXPECT_EQ(policies_.decide("ghost", "retirement", "person.name", SharingClass::Unconditional, now)
                .effect,
            Effect::Deny);
}

// A request looks its client x purpose up once and decides each field against it: the same
// decisions as deciding each field on its own, for a pair with grants and for pairs without.
TEST_F(PolicySetTest, DecidingForOnePurposeDecidesAsDecideDoes) {
  const auto now = at(2026, 6, 1);
  for (const auto& [client, purpose] :
       std::vector<std::pair<std::string, std::string>>{{"retirement-app", "retirement"},
                                                        {"retirement-app", "pension"},
                                                        {"retirement-app", "audit"},
                                                        {"nobody", "retirement"}}) {
    const auto forPurpose = policies_.forPurpose(client, purpose);
    for (const auto* field : {"person.name", "person.id_card", "person.health.x", "person.phone",
                              "fund.secret", "fund.balance", "legacy.x", "open.id", "other"}) {
      for (const auto sharing :
           {SharingClass::Conditional, SharingClass::Unconditional, SharingClass::None}) {
        const auto one = policies_.decide(client, purpose, field, sharing, now);
        const auto many = forPurpose.decide(field, sharing, now);
        EXPECT_EQ(many.effect, one.effect) << client << "/" << purpose << " " << field;
        EXPECT_EQ(many.mask, one.mask) << field;
        EXPECT_EQ(many.policy, one.policy) << field;
        EXPECT_EQ(many.reason, one.reason) << field;
      }
    }
  }
}

TEST_F(PolicySetTest, FindsPoliciesById) {
  ASSERT_NE(policies_.find("retirement-old"), nullptr);
  EXPECT_EQ(policies_.find("retirement-old")->validUntil(), "2025-12-31");
  EXPECT_TRUE(policies_.find("retirement-personnel")->requireCase());
  EXPECT_FALSE(policies_.find("retirement-extra")->requireCase());
  EXPECT_EQ(policies_.find("nope"), nullptr);
  EXPECT_EQ(policies_.policies().size(), 4u);
}

TEST(PolicySetRejectionTest, UnknownClient) {
  EXPECT_EQ(errorOf("- { id: p, clients: [ghost], purposes: [retirement], allow: [x] }\n"),
            "test.yaml:1: policy 'p' names unknown client 'ghost'");
}

TEST(PolicySetRejectionTest, PurposeTheClientDoesNotHave) {
  EXPECT_EQ(errorOf("- { id: p, clients: [retirement-app], purposes: [audit], allow: [x] }\n"),
            "test.yaml:1: policy 'p' grants purpose 'audit' to client 'retirement-app', which is "
            "not among the client's purposes");
}

TEST(PolicySetRejectionTest, DuplicateId) {
  EXPECT_EQ(errorOf("- { id: p, clients: [audit-app], purposes: [audit], allow: [x] }\n"
                    "- { id: p, clients: [audit-app], purposes: [audit], allow: [y] }\n"),
            "test.yaml:2: duplicate policy id 'p' (first defined at test.yaml:1)");
}

TEST(PolicySetRejectionTest, UnknownMaskKind) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n"
                      "  mask: { x: scramble }\n"),
              HasSubstr("test.yaml:5: unknown mask 'scramble'"));
}

TEST(PolicySetRejectionTest, BadMaskPattern) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n"
                      "  mask: { \"x*\": redact }\n"),
              HasSubstr("test.yaml:5: bad field pattern 'x*' in mask"));
}

TEST(PolicySetRejectionTest, BadFieldPattern) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n"
                      "  allow:\n    - person.name\n    - \"per*son\"\n"),
              HasSubstr("test.yaml:6: bad field pattern 'per*son'"));
}

TEST(PolicySetRejectionTest, BadDate) {
  const std::string head = "- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n";
  EXPECT_THAT(errorOf(head + "  valid_until: 2027-02-30\n"),
              HasSubstr("test.yaml:5: valid_until must be a date written YYYY-MM-DD"));
  EXPECT_THAT(errorOf(head + "  valid_until: 31/12/2027\n"),
              HasSubstr("test.yaml:5: valid_until must be a date written YYYY-MM-DD"));
}

// Found by fuzz/ConfigurationFuzz: a year that system_clock's nanoseconds cannot hold overflowed
// (undefined behaviour) and gave the policy an expiry in another century.
TEST(PolicySetRejectionTest, DateOutsideTheClocksRange) {
  const std::string head = "- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n";
  for (const std::string date : {"1013-12-31", "1969-12-31", "2263-01-01", "9999-12-31"}) {
    EXPECT_THAT(errorOf(head + "  valid_until: " + date + "\n"),
                HasSubstr("test.yaml:5: valid_until must be a date written YYYY-MM-DD, from "
                          "1970-01-01 to 2200-12-31"))
        << date;
  }
}

TEST(PolicySetRejectionTest, RequireCaseNotABool) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n"
                      "  require_case: sometimes\n"),
              HasSubstr("test.yaml:5: expected true or false"));
}

TEST(PolicySetRejectionTest, PolicyWithoutPatterns) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n"),
              HasSubstr("test.yaml:1: policy 'p' has no allow, deny or verify_only patterns"));
}

TEST(PolicySetRejectionTest, PolicyWithoutClients) {
  EXPECT_THAT(errorOf("- { id: p, clients: [], purposes: [audit], allow: [x] }\n"),
              HasSubstr("test.yaml:1: a policy needs at least one client"));
}

TEST(PolicySetRejectionTest, UnknownKey) {
  EXPECT_THAT(errorOf("- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n"
                      "  valid_from: 2026-01-01\n"),
              HasSubstr("test.yaml:5: unknown key 'valid_from'"));
}

const std::string kConfidentialHead =
    "- id: p\n  clients: [audit-app]\n  purposes: [audit]\n  allow: [x]\n";

TEST(PolicySetConfidentialTest, TheLatestDateOfTheConfidentialPoliciesForClientAndPurpose) {
  const auto policies = policySet(
      kConfidentialHead + "  confidential: true\n  disclose_after: 2027-03-01\n" +
      "- { id: q, clients: [audit-app], purposes: [audit], allow: [y], confidential: true, "
      "disclose_after: 2028-01-31, valid_until: 2026-01-01 }\n"
      "- { id: r, clients: [audit-app], purposes: [audit], allow: [z], confidential: false }\n"
      "- { id: s, clients: [retirement-app], purposes: [pension], allow: [z] }\n");
  EXPECT_EQ(policies.find("p")->discloseAfter(), "2027-03-01");
  EXPECT_EQ(policies.find("r")->discloseAfter(), "");
  // q has expired, and still counts: what was done under an investigation stays hidden.
  EXPECT_EQ(policies.discloseAfter("audit-app", "audit"), "2028-01-31");
  EXPECT_EQ(policies.discloseAfter("retirement-app", "pension"), "");
  EXPECT_EQ(policies.discloseAfter("retirement-app", "retirement"), "");
  EXPECT_EQ(policies.discloseAfter("nobody", "audit"), "");
}

TEST(PolicySetRejectionTest, ConfidentialWithoutDiscloseAfter) {
  EXPECT_THAT(errorOf(kConfidentialHead + "  confidential: true\n"),
              HasSubstr("test.yaml:5: a confidential policy needs disclose_after: YYYY-MM-DD"));
}

TEST(PolicySetRejectionTest, DiscloseAfterWithoutConfidential) {
  EXPECT_THAT(
      errorOf(kConfidentialHead + "  disclose_after: 2027-01-01\n"),
      HasSubstr("test.yaml:5: disclose_after is only for a policy with confidential: true"));
  EXPECT_THAT(
      errorOf(kConfidentialHead + "  confidential: false\n  disclose_after: 2027-01-01\n"),
      HasSubstr("test.yaml:6: disclose_after is only for a policy with confidential: true"));
}

TEST(PolicySetRejectionTest, DiscloseAfterNotADate) {
  EXPECT_THAT(errorOf(kConfidentialHead + "  confidential: true\n  disclose_after: 2027-02-30\n"),
              HasSubstr("test.yaml:6: disclose_after must be a date written YYYY-MM-DD"));
}

TEST(PolicySetRejectionTest, ConfidentialNotABool) {
  EXPECT_THAT(errorOf(kConfidentialHead + "  confidential: maybe\n  disclose_after: 2027-01-01\n"),
              HasSubstr("test.yaml:5: expected true or false"));
}

TEST(PolicySetRejectionTest, ReportsEveryProblemTogether) {
  const auto message =
      errorOf("- { id: p, clients: [ghost, retirement-app], purposes: [audit], allow: [x] }\n");
  EXPECT_THAT(message, HasSubstr("test.yaml:1: policy 'p' names unknown client 'ghost'\n"));
  EXPECT_THAT(message, HasSubstr("test.yaml:1: policy 'p' grants purpose 'audit'"));
}

}  // namespace
}  // namespace oncegate
