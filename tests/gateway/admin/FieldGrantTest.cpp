#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "gateway/admin/FieldGrant.h"

namespace oncegate {
namespace {

using Effect = PolicyDecision::Effect;
using Clock = std::chrono::system_clock;

const std::string kClients = "- { id: pension-office, department: 人力社保局, api_key_sha256: \"" +
                             sha256Hex("k1") +
                             "\", purposes: [pension, audit] }\n"
                             "- { id: tax-app, department: 税务局, api_key_sha256: \"" +
                             sha256Hex("k2") + "\", purposes: [tax] }\n";

constexpr const char* kPolicies = R"(- id: pension-grants
  clients: [pension-office]
  purposes: [pension]
  allow: ["civil.*"]
  mask: { civil.address: redact, civil.birth_date: year_only }
- id: pension-audit
  clients: [pension-office]
  purposes: [audit]
  verify_only: [civil.full_name]
- id: tax-old
  clients: [tax-app]
  purposes: [tax]
  allow: [civil.full_name]
  valid_until: 2020-01-31
- id: tax-other
  clients: [tax-app]
  purposes: [tax]
  allow: ["tax.*"]
- id: no-address
  clients: [pension-office]
  purposes: [pension]
  deny: [civil.address]
)";

class FieldGrantTest : public ::testing::Test {
 protected:
  FieldGrantTest()
      : clients_(ClientDirectory::build(parseClients(ConfigNode::parse(kClients, "c.yaml")))),
        policies_(
            PolicySet::build(parsePolicies(ConfigNode::parse(kPolicies, "p.yaml")), clients_)) {}

  std::vector<FieldGrant> grantsOf(std::string_view field,
                                   SharingClass sharing = SharingClass::Conditional) const {
    return FieldGrant::of(field, sharing, policies_, clients_, Clock::now());
  }

  ClientDirectory clients_;
  PolicySet policies_;
};

TEST_F(FieldGrantTest, EveryPolicyNamingTheFieldInAllowOrVerifyOnlyGrantsIt) {
  const auto grants = grantsOf("civil.full_name");
  ASSERT_EQ(grants.size(), 3U);
  EXPECT_EQ(grants[0].policy, "pension-grants");
  EXPECT_EQ(grants[0].client, "pension-office");
  EXPECT_EQ(grants[0].department, "人力社保局");
  EXPECT_EQ(grants[0].purpose, "pension");
  EXPECT_EQ(grants[0].effect, Effect::Allow);
  EXPECT_EQ(grants[0].mask, MaskKind::None);
  EXPECT_TRUE(grants[0].inForce);

  EXPECT_EQ(grants[1].policy, "pension-audit");
  EXPECT_EQ(grants[1].purpose, "audit");
  EXPECT_EQ(grants[1].effect, Effect::VerifyOnly);
  EXPECT_EQ(PolicyDecision::effectName(grants[1].effect), "verify_only");

  // An expired grant is listed, and what it gives now is nothing.
  EXPECT_EQ(grants[2].policy, "tax-old");
  EXPECT_FALSE(grants[2].inForce);
  EXPECT_EQ(grants[2].validUntil, "2020-01-31");
  EXPECT_EQ(grants[2].effect, Effect::Deny);
  EXPECT_EQ(grants[2].decidedBy, "tax-old");
}

TEST_F(FieldGrantTest, WhatTheClientGetsWeighsEveryPolicyNotOnlyTheGrantingOne) {
  const auto grants = grantsOf("civil.address");
  ASSERT_EQ(grants.size(), 1U);
  EXPECT_EQ(grants[0].policy, "pension-grants");
  // Another policy for the same client and purpose denies it.
  EXPECT_EQ(grants[0].effect, Effect::Deny);
  EXPECT_EQ(grants[0].decidedBy, "no-address");
  EXPECT_EQ(grants[0].mask, MaskKind::None);

  const auto masked = grantsOf("civil.birth_date");
  ASSERT_EQ(masked.size(), 1U);
  EXPECT_EQ(masked[0].effect, Effect::Allow);
  EXPECT_EQ(masked[0].mask, MaskKind::YearOnly);
  EXPECT_EQ(masked[0].decidedBy, "pension-grants");
}

TEST_F(FieldGrantTest, AFieldNoPolicyNamesHasNoGrantsAndAnUnsharedOneIsDeniedEverywhere) {
  EXPECT_TRUE(grantsOf("land.area").empty());
  const auto grants = grantsOf("tax.employer", SharingClass::None);
  ASSERT_EQ(grants.size(), 1U);
  EXPECT_EQ(grants[0].policy, "tax-other");
  EXPECT_EQ(grants[0].effect, Effect::Deny);
}

}  // namespace
}  // namespace oncegate
