#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/admin/AccessWidening.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/config/Configuration.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The documents in force: one dataset behind a granted field (person.name, granted by name) and
// an ungranted one (person.phone), plus a second dataset a field could be pointed at.
std::map<std::pair<std::string, std::string>, std::string> baseDocuments() {
  return {
      {{"sources", "hr"}, R"({id: hr, department: HR, odbc: "Driver=SQLite3;Database=/tmp/x.db"})"},
      {{"sources", "tax"},
       R"({id: tax, department: Tax, odbc: "Driver=SQLite3;Database=/tmp/y.db"})"},
      {{"subjects", "person"}, R"({id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$"})"},
      {{"datasets", "hr.employee"}, R"({id: hr.employee, source: hr, subject: person,
           query: "SELECT name, phone, salary FROM employee WHERE id_card = :k",
           params: {k: subject.id_card}})"},
      {{"datasets", "tax.record"}, R"({id: tax.record, source: tax, subject: person,
           query: "SELECT income FROM record WHERE id_card = :k", params: {k: subject.id_card}})"},
      {{"fields", "person.name"}, R"({id: person.name, dataset: hr.employee, column: name})"},
      {{"fields", "person.phone"}, R"({id: person.phone, dataset: hr.employee, column: phone})"},
      {{"fields", "person.secret"},
       R"({id: person.secret, dataset: hr.employee, column: salary, sharing: none})"},
      {{"clients", "retirement-app"},
       "{id: retirement-app, department: HR, api_key_sha256: " + std::string(64, 'a') +
           ", purposes: [retirement]}"},
      {{"clients", "tax-app"},
       "{id: tax-app, department: Tax, api_key_sha256: " + std::string(64, 'b') +
           ", purposes: [tax, audit]}"},
      {{"policies", "retirement"},
       R"({id: retirement, clients: [retirement-app], purposes: [retirement],
           allow: [person.name]})"},
  };
}

Configuration build(const std::map<std::pair<std::string, std::string>, std::string>& bodies) {
  std::vector<ConfigDocument> documents;
  for (const auto& [key, body] : bodies) {
    documents.push_back(
        ConfigDocument{key.first, key.second, ConfigNode::parse(body, key.first + " document")});
  }
  auto gateway = parseGatewayConfig(
      ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"), "/tmp",
      std::nullopt);
  return buildConfiguration(std::move(gateway), std::move(documents));
}

// The configuration in force with one document put (or removed when `body` is empty).
Configuration changed(const std::string& kind, const std::string& id, const std::string& body) {
  auto documents = baseDocuments();
  if (body.empty()) {
    documents.erase({kind, id});
  } else {
    documents[{kind, id}] = body;
  }
  return build(documents);
}

PolicySet::TimePoint now() { return *AuditTrailReader::parseTime("2026-06-01T12:00:00Z"); }

std::vector<std::string> reasons(const Configuration& after) {
  return AccessWidening::between(build(baseDocuments()), after, now()).reasons;
}

// --- each kind of widening ---

TEST(AccessWideningTest, ASharingClassMadeMoreOpenWidens) {
  const auto toUnconditional = reasons(changed(
      "fields", "person.phone",
      R"({id: person.phone, dataset: hr.employee, column: phone, sharing: unconditional})"));
  ASSERT_THAT(toUnconditional, SizeIs(1));
  EXPECT_THAT(toUnconditional[0], HasSubstr("person.phone"));
  EXPECT_THAT(toUnconditional[0], HasSubstr("conditional -> unconditional"));
  // none -> conditional is more open too, even with no grant yet: the next grant would reach it.
  const auto toConditional = reasons(changed(
      "fields", "person.secret",
      R"({id: person.secret, dataset: hr.employee, column: salary, sharing: conditional})"));
  ASSERT_THAT(toConditional, SizeIs(1));
  EXPECT_THAT(toConditional[0], HasSubstr("none -> conditional"));
}

TEST(AccessWideningTest, ANewUnconditionalFieldWidens) {
  const auto found = reasons(changed(
      "fields", "person.salary",
      R"({id: person.salary, dataset: hr.employee, column: salary, sharing: unconditional})"));
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("new field 'person.salary' is unconditional"));
}

// A wildcard grant covered the fields that existed when the officer wrote it; a field added
// under it later would reach clients at once.
TEST(AccessWideningTest, ANewFieldThatAWildcardGrantCoversWidens) {
  auto documents = baseDocuments();
  documents[{"policies", "retirement"}] =
      R"({id: retirement, clients: [retirement-app], purposes: [retirement],
          allow: ["person.*"], deny: [person.phone]})";
  const auto before = build(documents);
  documents[{"fields", "person.salary"}] =
      R"({id: person.salary, dataset: hr.employee, column: salary})";
  const auto found = AccessWidening::between(before, build(documents), now()).reasons;
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("new field 'person.salary' is granted at once"));
}

TEST(AccessWideningTest, AGrantedFieldPointedAtAnotherColumnWidens) {
  const auto found = reasons(changed("fields", "person.name",
                                     R"({id: person.name, dataset: hr.employee, column: salary})"));
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("now reads hr.employee.salary instead of hr.employee.name"));
}

TEST(AccessWideningTest, AGrantedFieldPointedAtAnotherDatasetWidens) {
  const auto found = reasons(changed("fields", "person.name",
                                     R"({id: person.name, dataset: tax.record, column: income})"));
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("now reads tax.record.income"));
}

TEST(AccessWideningTest, AnUnconditionalFieldPointedAtOtherDataWidensWithoutAnyGrant) {
  auto documents = baseDocuments();
  documents[{"fields", "person.phone"}] =
      R"({id: person.phone, dataset: hr.employee, column: phone, sharing: unconditional})";
  const auto before = build(documents);
  documents[{"fields", "person.phone"}] =
      R"({id: person.phone, dataset: hr.employee, column: salary, sharing: unconditional})";
  EXPECT_THAT(AccessWidening::between(before, build(documents), now()).reasons, SizeIs(1));
}

TEST(AccessWideningTest, ANewQueryBehindAGrantedFieldWidens) {
  const auto found = reasons(changed("datasets", "hr.employee", R"({id: hr.employee, source: hr,
      subject: person, query: "SELECT salary AS name, phone, salary FROM employee WHERE id_card = :k",
      params: {k: subject.id_card}})"));
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("dataset 'hr.employee'"));
  EXPECT_THAT(found[0], HasSubstr("'person.name'"));
}

TEST(AccessWideningTest, AnotherSourceBehindAGrantedFieldWidens) {
  EXPECT_THAT(reasons(changed("datasets", "hr.employee", R"({id: hr.employee, source: tax,
      subject: person, query: "SELECT name, phone, salary FROM employee WHERE id_card = :k",
      params: {k: subject.id_card}})")),
              SizeIs(1));
}

TEST(AccessWideningTest, OtherParametersBehindAGrantedFieldWiden) {
  auto documents = baseDocuments();
  documents[{"fields", "person.phone"}] =
      R"({id: person.phone, dataset: hr.employee, column: phone, sharing: none})";
  documents[{"datasets", "tax.record"}] = R"({id: tax.record, source: tax, subject: person,
      query: "SELECT income FROM record WHERE phone = :k", params: {k: field.person.name}})";
  documents[{"fields", "tax.income"}] = R"({id: tax.income, dataset: tax.record, column: income,
      sharing: unconditional})";
  const auto before = build(documents);
  documents[{"datasets", "tax.record"}] = R"({id: tax.record, source: tax, subject: person,
      query: "SELECT income FROM record WHERE phone = :k", params: {k: field.person.phone}})";
  const auto found = AccessWidening::between(before, build(documents), now()).reasons;
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("dataset 'tax.record'"));
}

TEST(AccessWideningTest, AKeyOfAReadableChainedFieldPointedAtAnotherColumnWidens) {
  // person.phone is never shared, but it keys tax.record, whose income every client reads: pointed
  // at another column, the same tax.income is another person's.
  auto documents = baseDocuments();
  documents[{"fields", "person.phone"}] =
      R"({id: person.phone, dataset: hr.employee, column: phone, sharing: none})";
  documents[{"datasets", "tax.record"}] = R"({id: tax.record, source: tax, subject: person,
      query: "SELECT income FROM record WHERE phone = :k", params: {k: field.person.phone}})";
  documents[{"fields", "tax.income"}] = R"({id: tax.income, dataset: tax.record, column: income,
      sharing: unconditional})";
  const auto before = build(documents);
  documents[{"fields", "person.phone"}] =
      R"({id: person.phone, dataset: hr.employee, column: salary, sharing: none})";
  const auto found = AccessWidening::between(before, build(documents), now()).reasons;
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_THAT(found[0], HasSubstr("person.phone"));
}

// --- changes that do not widen ---

TEST(AccessWideningTest, ASharingClassMadeNarrowerDoesNotWiden) {
  EXPECT_THAT(reasons(changed("fields", "person.name",
                              R"({id: person.name, dataset: hr.employee, column: name,
                                  sharing: none})")),
              IsEmpty());
}

TEST(AccessWideningTest, ANewConditionalFieldDoesNotWiden) {
  EXPECT_THAT(reasons(changed("fields", "person.salary",
                              R"({id: person.salary, dataset: hr.employee, column: salary})")),
              IsEmpty());
}

TEST(AccessWideningTest, AnUngrantedFieldPointedAtAnotherColumnDoesNotWiden) {
  EXPECT_THAT(reasons(changed("fields", "person.phone",
                              R"({id: person.phone, dataset: hr.employee, column: salary})")),
              IsEmpty());
}

TEST(AccessWideningTest, ANewQueryBehindUngrantedFieldsOnlyDoesNotWiden) {
  EXPECT_THAT(reasons(changed("datasets", "tax.record", R"({id: tax.record, source: tax,
      subject: person, query: "SELECT income FROM record2 WHERE id_card = :k",
      params: {k: subject.id_card}})")),
              IsEmpty());
}

TEST(AccessWideningTest, DescriptiveChangesToAGrantedFieldDoNotWiden) {
  EXPECT_THAT(reasons(changed("fields", "person.name",
                              R"({id: person.name, dataset: hr.employee, column: name,
                                  transform: trim, sensitivity: personal,
                                  description: "the name as registered"})")),
              IsEmpty());
  // The dataset's cache lifetime is not what it reads.
  EXPECT_THAT(reasons(changed("datasets", "hr.employee", R"({id: hr.employee, source: hr,
      subject: person, query: "SELECT name, phone, salary FROM employee WHERE id_card = :k",
      params: {k: subject.id_card}, ttl: 1m})")),
              IsEmpty());
}

TEST(AccessWideningTest, RemovalsAndOtherKindsDoNotWiden) {
  EXPECT_THAT(reasons(changed("fields", "person.name", "")), IsEmpty());
  EXPECT_THAT(reasons(changed("sources", "tax",
                              R"({id: tax, department: Tax,
                                  odbc: "Driver=SQLite3;Database=/tmp/z.db"})")),
              IsEmpty());
  EXPECT_THAT(reasons(changed("subjects", "person",
                              R"({id: person, key: id_card, pattern: "^[0-9]{18}$"})")),
              IsEmpty());
}

// --- who gains ---

TEST(AccessWideningTest, GainsNameEveryClientPurposeAndFieldThatMayNowRead) {
  const auto before = build(baseDocuments());
  const auto after =
      changed("fields", "person.phone",
              R"({id: person.phone, dataset: hr.employee, column: phone, sharing: unconditional})");
  bool truncated = true;
  const auto gains = AccessWidening::gains(before, after, now(), truncated);
  EXPECT_FALSE(truncated);
  std::vector<std::string> who;
  for (const auto& gain : gains) {
    who.push_back(gain.client + "/" + gain.purpose + "/" + gain.field);
    EXPECT_FALSE(gain.otherData);
  }
  EXPECT_THAT(who, ElementsAre("retirement-app/retirement/person.phone", "tax-app/tax/person.phone",
                               "tax-app/audit/person.phone"));

  const auto limited = AccessWidening::gains(before, after, now(), truncated, 2);
  EXPECT_THAT(limited, SizeIs(2));
  EXPECT_TRUE(truncated);
}

TEST(AccessWideningTest, AGrantedFieldOnOtherDataIsAGainForThoseAlreadyReadingIt) {
  bool truncated = true;
  const auto gains =
      AccessWidening::gains(build(baseDocuments()),
                            changed("fields", "person.name",
                                    R"({id: person.name, dataset: hr.employee, column: salary})"),
                            now(), truncated);
  ASSERT_THAT(gains, SizeIs(1));
  EXPECT_EQ(gains[0].client, "retirement-app");
  EXPECT_EQ(gains[0].field, "person.name");
  EXPECT_TRUE(gains[0].otherData);
}

}  // namespace
}  // namespace oncegate
