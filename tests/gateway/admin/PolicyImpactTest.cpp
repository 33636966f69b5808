#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/JsonWriter.h"
#include "gateway/admin/PolicyImpact.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/config/Configuration.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using Effect = PolicyDecision::Effect;
using Kind = PolicyImpact::ChangeKind;

const std::string kKeyHash(64, 'a');

// The personnel grant in force; tests propose variants of it.
const std::string kGrant =
    R"({id: retirement-personnel, clients: [retirement-app], purposes: [retirement],
        allow: ["person.*"], mask: {person.id_card: show_last_4}})";

// A whole configuration as the admin plane builds it: documents, the policies given last.
Configuration configuration(const std::vector<std::string>& policies) {
  std::vector<std::pair<std::string, std::string>> bodies = {
      {"sources", R"({id: hr, department: HR, odbc: "Driver=SQLite3;Database=/tmp/x.db"})"},
      {"subjects", R"({id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$"})"},
      {"datasets", R"({id: hr.employee, source: hr, subject: person,
                       query: "SELECT name, id_card, phone FROM employee WHERE id_card = :k",
                       params: {k: subject.id_card}})"},
      {"fields", R"({id: person.name, dataset: hr.employee, column: name})"},
      {"fields", R"({id: person.id_card, dataset: hr.employee, column: id_card})"},
      {"fields", R"({id: person.phone, dataset: hr.employee, column: phone})"},
      {"clients", "{id: retirement-app, department: HR, api_key_sha256: " + kKeyHash +
                      ", purposes: [retirement]}"},
      {"clients", "{id: tax-app, department: Tax, api_key_sha256: " + std::string(64, 'b') +
                      ", purposes: [tax]}"},
  };
  for (const auto& policy : policies) bodies.emplace_back("policies", policy);
  std::vector<ConfigDocument> documents;
  for (const auto& [kind, body] : bodies) {
    auto node = ConfigNode::parse(body, kind + " document");
    documents.push_back(ConfigDocument{kind, node.at("id").asString(), node});
  }
  auto gateway = parseGatewayConfig(
      ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"), "/tmp",
      std::nullopt);
  return buildConfiguration(std::move(gateway), std::move(documents));
}

AuditedRequest request(std::string id, std::string client, std::string purpose,
                       std::vector<std::string> fields, bool casePresent = true,
                       std::string route = "/v1/resolve") {
  AuditedRequest out;
  out.time = "2026-06-01T10:00:00.000Z";
  out.requestId = std::move(id);
  out.route = std::move(route);
  out.status = 200;
  out.client = std::move(client);
  out.purpose = std::move(purpose);
  out.casePresent = casePresent;
  for (auto& field : fields) out.fields.emplace_back(std::move(field), "ok");
  return out;
}

PolicySet::TimePoint now() { return *AuditTrailReader::parseTime("2026-06-01T12:00:00Z"); }

std::string withBefore(std::string policy, const std::string& before, const std::string& added) {
  policy.insert(policy.find(before), added);
  return policy;
}

TEST(PolicyImpactTest, ANewDenyIsReportedForEveryRequestThatGotTheField) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({withBefore(kGrant, "mask:", R"(deny: ["person.phone"], )")});
  const std::vector<AuditedRequest> requests = {
      request("r3", "retirement-app", "retirement", {"person.name", "person.phone"}),
      request("r2", "tax-app", "tax", {"person.phone"}),  // denied before and after
      request("r1", "retirement-app", "retirement", {"person.phone"}),
  };
  const auto impact = PolicyImpact::compute(current, proposed, requests, now());

  ASSERT_EQ(impact.changes.size(), 2U);
  const auto& first = impact.changes[0];
  EXPECT_EQ(first.requestId, "r3");
  EXPECT_EQ(first.field, "person.phone");
  EXPECT_EQ(first.recorded, "ok");
  EXPECT_EQ(first.kind, Kind::NewlyDenied);
  EXPECT_EQ(first.before.effect, Effect::Allow);
  EXPECT_EQ(first.before.policy, "retirement-personnel");
  EXPECT_EQ(first.after.effect, Effect::Deny);
  EXPECT_EQ(first.after.reason, "denied by policy retirement-personnel");
  EXPECT_EQ(impact.changes[1].requestId, "r1");

  EXPECT_EQ(impact.summary.requestsExamined, 3U);
  EXPECT_EQ(impact.summary.fieldDecisionsExamined, 4U);
  EXPECT_EQ(impact.summary.newlyDenied, 2U);
  EXPECT_EQ(impact.summary.newlyAllowed, 0U);
  EXPECT_EQ(impact.summary.maskChanged, 0U);
  EXPECT_THAT(impact.summary.clients, ElementsAre("retirement-app"));
  EXPECT_THAT(impact.summary.purposes, ElementsAre("retirement"));
  EXPECT_FALSE(impact.truncated);

  // The reverse proposal allows again what the first one denies.
  const auto back = PolicyImpact::compute(proposed, current, requests, now());
  EXPECT_EQ(back.summary.newlyAllowed, 2U);
  EXPECT_EQ(back.summary.newlyDenied, 0U);
}

TEST(PolicyImpactTest, AChangedMaskIsReportedForResolveButNotForVerify) {
  const auto current = configuration({kGrant});
  auto changed = kGrant;
  changed.replace(changed.find("show_last_4"), 11, "redact");
  const auto proposed = configuration({changed});
  const std::vector<AuditedRequest> requests = {
      request("r2", "retirement-app", "retirement", {"person.id_card", "person.name"}),
      request("r1", "retirement-app", "retirement", {"person.id_card"}, true, "/v1/verify"),
  };
  const auto impact = PolicyImpact::compute(current, proposed, requests, now());
  ASSERT_EQ(impact.changes.size(), 1U);
  EXPECT_EQ(impact.changes[0].requestId, "r2");
  EXPECT_EQ(impact.changes[0].kind, Kind::MaskChanged);
  EXPECT_EQ(impact.changes[0].before.mask, MaskKind::ShowLast4);
  EXPECT_EQ(impact.changes[0].after.mask, MaskKind::Redact);
  EXPECT_EQ(impact.summary.maskChanged, 1U);
  EXPECT_EQ(impact.summary.newlyDenied, 0U);
}

TEST(PolicyImpactTest, RequiringACaseRefusesRequestsAuditedWithoutOne) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({withBefore(kGrant, "mask:", "require_case: true, ")});
  const std::vector<AuditedRequest> requests = {
      request("with-case", "retirement-app", "retirement", {"person.name"}, true),
      request("without", "retirement-app", "retirement", {"person.name", "person.id_card"}, false),
  };
  const auto impact = PolicyImpact::compute(current, proposed, requests, now());
  ASSERT_EQ(impact.changes.size(), 2U);
  for (const auto& change : impact.changes) {
    EXPECT_EQ(change.requestId, "without");
    EXPECT_EQ(change.kind, Kind::NewlyDenied);
    EXPECT_FALSE(change.before.caseRefused);
    EXPECT_TRUE(change.after.caseRefused);
    EXPECT_EQ(change.after.policy, "retirement-personnel");
    EXPECT_EQ(change.after.reason, "a case number is required for purpose 'retirement'");
  }
  EXPECT_EQ(impact.summary.newlyDenied, 2U);
}

TEST(PolicyImpactTest, AProposalThatChangesNoDecisionHasAnEmptyDiff) {
  const auto current = configuration({kGrant});
  const auto proposed =
      configuration({withBefore(kGrant, "mask:", "description: reworded only, ")});
  const std::vector<AuditedRequest> requests = {
      request("r2", "retirement-app", "retirement", {"person.name", "person.id_card"}),
      request("r1", "tax-app", "tax", {"person.name"}),
  };
  const auto impact = PolicyImpact::compute(current, proposed, requests, now());
  EXPECT_TRUE(impact.changes.empty());
  EXPECT_EQ(impact.summary.requestsExamined, 2U);
  EXPECT_EQ(impact.summary.fieldDecisionsExamined, 3U);
  EXPECT_EQ(impact.summary.newlyDenied + impact.summary.newlyAllowed + impact.summary.maskChanged +
                impact.summary.verifyOnlyChanged,
            0U);
  EXPECT_TRUE(impact.summary.clients.empty());
}

TEST(PolicyImpactTest, AValidityWindowIsJudgedAtTheTimeGiven) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({withBefore(kGrant, "mask:", "valid_until: 2026-05-31, ")});
  const std::vector<AuditedRequest> requests = {
      request("r1", "retirement-app", "retirement", {"person.name"})};
  const auto expired = PolicyImpact::compute(current, proposed, requests, now());
  ASSERT_EQ(expired.changes.size(), 1U);
  EXPECT_EQ(expired.changes[0].after.reason, "grant retirement-personnel expired on 2026-05-31");
  const auto before = *AuditTrailReader::parseTime("2026-05-31T23:00:00Z");
  EXPECT_TRUE(PolicyImpact::compute(current, proposed, requests, before).changes.empty());
}

TEST(PolicyImpactTest, UnknownFieldsAndClientsAreCountedNotFatal) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({kGrant});
  const std::vector<AuditedRequest> requests = {
      request("r2", "retirement-app", "retirement", {"person.gone", "person.name"}),
      request("r1", "removed-app", "retirement", {"person.name"}),
  };
  const auto impact = PolicyImpact::compute(current, proposed, requests, now());
  EXPECT_TRUE(impact.changes.empty());
  EXPECT_EQ(impact.summary.unknown, 2U);
  EXPECT_EQ(impact.summary.fieldDecisionsExamined, 3U);
}

TEST(PolicyImpactTest, TheListIsCappedButTheSummaryCountsEveryChange) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({});
  std::vector<AuditedRequest> requests;
  for (int i = 0; i < 5; ++i) {
    requests.push_back(request("r" + std::to_string(i), "retirement-app", "retirement",
                               {"person.name", "person.phone"}));
  }
  const auto impact = PolicyImpact::compute(current, proposed, requests, now(), 3);
  EXPECT_EQ(impact.changes.size(), 3U);
  EXPECT_TRUE(impact.truncated);
  EXPECT_EQ(impact.summary.newlyDenied, 10U);
}

TEST(PolicyImpactTest, WritesTheChangesAsJson) {
  const auto current = configuration({kGrant});
  const auto proposed = configuration({});
  const auto impact = PolicyImpact::compute(
      current, proposed, {request("r1", "retirement-app", "retirement", {"person.id_card"})},
      now());
  std::string out;
  JsonWriter json(out);
  json.beginObject();
  impact.writeMembers(json);
  json.endObject();
  EXPECT_EQ(out,
            R"({"summary":{"requests_examined":1,"field_decisions_examined":1,"newly_denied":1,)"
            R"("newly_allowed":0,"mask_changed":0,"verify_only_changed":0,"unknown":0,)"
            R"("clients":["retirement-app"],"purposes":["retirement"]},)"
            R"("changes":[{"request_id":"r1","time":"2026-06-01T10:00:00.000Z",)"
            R"("route":"/v1/resolve","client":"retirement-app","purpose":"retirement",)"
            R"("field":"person.id_card","recorded":"ok","change":"newly_denied",)"
            R"("before":{"effect":"allow","policy":"retirement-personnel","reason":"",)"
            R"("mask":"show_last_4"},)"
            R"("after":{"effect":"deny","policy":null,)"
            R"("reason":"no grant for retirement-app/retirement","mask":null}}],)"
            R"("truncated":false})");
}

TEST(PolicyImpactTest, APurposeTheClientIsNotRegisteredForIsRefusedAsTheGatewayRefusesIt) {
  // The gateway refuses such a request whole before any policy is read: explain says so.
  const auto decided = PolicyExplanation::decide(configuration({kGrant}), "retirement-app", "tax",
                                                 "person.name", now());
  EXPECT_EQ(decided.effect, Effect::Deny);
  EXPECT_EQ(decided.reason, "purpose 'tax' is not allowed for client 'retirement-app'");
}

}  // namespace
}  // namespace oncegate
