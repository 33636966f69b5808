#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "gateway/config/Configuration.h"
#include "gateway/reports/ConsistencyCheck.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "tests/gateway/service/FakeSource.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using testing::FakeSource;
using ::testing::HasSubstr;

constexpr const char* kHashKey = "0123456789abcdef0123456789abcdef";

// The name of a person held by three departments: hr's is the authoritative one; civil's is
// compared with it; tax's name is a decimal-typed indicator elsewhere to check typing.
constexpr const char* kDocuments = R"(sources:
  - { id: hr, department: hr bureau, odbc: "Driver=none" }
  - { id: civil, department: civil affairs, odbc: "Driver=none" }
  - { id: tax, department: tax bureau, odbc: "Driver=none" }
subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
  - { id: company, key: uscc, pattern: "^[0-9A-Z]{18}$" }
datasets:
  - { id: hr.person, source: hr, subject: person, query: "SELECT name, pay FROM p WHERE id = :id", params: { id: subject.id_card } }
  - { id: civil.person, source: civil, subject: person, query: "SELECT name, alias FROM c WHERE id = :id", params: { id: subject.id_card } }
  - { id: tax.person, source: tax, subject: person, query: "SELECT pay FROM t WHERE id = :id", params: { id: subject.id_card } }
  - { id: hr.company, source: hr, subject: company, query: "SELECT name FROM co WHERE uscc = :u", params: { u: subject.uscc } }
fields:
  - { id: hr.name, dataset: hr.person, column: name, indicator: { id: person.name, authoritative: true } }
  - { id: civil.name, dataset: civil.person, column: name, indicator: { id: person.name } }
  - { id: civil.alias, dataset: civil.person, column: alias, indicator: { id: person.name } }
  - { id: hr.pay, dataset: hr.person, column: pay, type: decimal, indicator: { id: person.pay, authoritative: true } }
  - { id: tax.pay, dataset: tax.person, column: pay, type: decimal, indicator: { id: person.pay } }
  - { id: tax.pay_alone, dataset: tax.person, column: pay, indicator: { id: person.lonely, authoritative: true } }
  - { id: civil.nick, dataset: civil.person, column: alias, indicator: { id: person.nick } }
  - { id: hr.nick, dataset: hr.person, column: name, indicator: { id: person.nick } }
  - { id: hr.company_name, dataset: hr.company, column: name, indicator: { id: mixed, authoritative: true } }
  - { id: civil.mixed, dataset: civil.person, column: name, indicator: { id: mixed } }
)";

Configuration makeConfiguration() {
  auto settings = parseGatewayConfig(
      ConfigNode::parse(std::string("hash_key: ") + kHashKey + "\n", "gateway.yaml"),
      "/nonexistent", std::nullopt);
  std::vector<ConfigDocument> documents;
  const auto root = ConfigNode::parse(kDocuments, "documents.yaml");
  for (const auto& [kind, list] : root.entries()) {
    for (const auto& item : list.items()) {
      documents.push_back(ConfigDocument{kind, item.at("id").asString(), item});
    }
  }
  return buildConfiguration(std::move(settings), std::move(documents));
}

Row row(std::vector<std::string> columns, std::vector<Value> values) {
  return Row{std::move(columns), std::move(values)};
}

constexpr const char* kAgrees = "110101199003070019";
constexpr const char* kDiffers = "110101198505050026";
constexpr const char* kOnlyHr = "110101197001010011";
constexpr const char* kNowhere = "110101196001010012";

class ConsistencyCheckTest : public ::testing::Test {
 protected:
  ConsistencyCheckTest() {
    SourceSet sources;
    sources.add(hr_);
    sources.add(civil_);
    sources.add(tax_);
    snapshot_ = std::make_unique<GatewaySnapshot>(makeConfiguration(), std::move(sources));
  }

  std::string sqlOf(const char* dataset) const {
    return snapshot_->config.mappings.dataset(dataset)->sql();
  }
  void hrHas(const char* subject, const char* name, const char* pay) {
    hr_->answer(sqlOf("hr.person"), {Value::string(subject)},
                row({"name", "pay"}, {Value::string(name), Value::string(pay)}));
  }
  void civilHas(const char* subject, Value name, Value alias) {
    civil_->answer(sqlOf("civil.person"), {Value::string(subject)},
                   row({"name", "alias"}, {std::move(name), std::move(alias)}));
  }

  std::shared_ptr<FakeSource> hr_ = std::make_shared<FakeSource>("hr");
  std::shared_ptr<FakeSource> civil_ = std::make_shared<FakeSource>("civil");
  std::shared_ptr<FakeSource> tax_ = std::make_shared<FakeSource>("tax");
  std::unique_ptr<GatewaySnapshot> snapshot_;
};

TEST_F(ConsistencyCheckTest, CountsAgreementsDisagreementsAndMissingPerField) {
  hrHas(kAgrees, "张三", "100.00");
  civilHas(kAgrees, Value::string("张三 "), Value::string("张三"));
  hrHas(kDiffers, "李四", "1");
  civilHas(kDiffers, Value::string("李 四"), Value::null());
  hrHas(kOnlyHr, "王五", "1");

  const auto report =
      ConsistencyCheck::run(*snapshot_, "person.name", {kAgrees, kDiffers, kOnlyHr, kNowhere});
  EXPECT_EQ(report.subjectsSampled, 4U);
  EXPECT_EQ(report.authoritative->id(), "hr.name");
  EXPECT_EQ(report.authoritativeSource, "hr");
  EXPECT_EQ(report.authoritativeMissing, 1U);
  ASSERT_EQ(report.sources.size(), 2U);
  const auto& name = report.sources[0];
  EXPECT_EQ(name.field->id(), "civil.name");
  EXPECT_EQ(name.source, "civil");
  EXPECT_EQ(name.compared, 2U);
  EXPECT_EQ(name.agreed, 1U);
  EXPECT_EQ(name.disagreed, 1U);
  EXPECT_EQ(name.missing, 2U);
  EXPECT_EQ(name.unavailable, 0U);
  EXPECT_EQ(name.agreementRate(), 0.5);
  const auto& alias = report.sources[1];
  EXPECT_EQ(alias.compared, 1U);
  EXPECT_EQ(alias.agreed, 1U);
  EXPECT_EQ(alias.missing, 3U);  // NULL is no value
  EXPECT_EQ(alias.agreementRate(), 1.0);

  ASSERT_EQ(report.disagreements.size(), 1U);
  EXPECT_EQ(report.disagreements[0].subject, "**************0026");
  EXPECT_EQ(report.disagreements[0].subjectHash, subjectIndexHash(kHashKey, "person", kDiffers));
  EXPECT_THAT(report.disagreements[0].fields, ElementsAre("civil.name"));
  // One query per dataset and subject, however many of its fields carry the indicator.
  EXPECT_EQ(civil_->queries().size(), 4U);
}

TEST_F(ConsistencyCheckTest, ComparesAfterTheFieldsTyping) {
  hrHas(kAgrees, "x", "100.50");
  tax_->answer(sqlOf("tax.person"), {Value::string(kAgrees)},
               row({"pay"}, {Value::string("100.5")}));
  hrHas(kDiffers, "x", "100.50");
  tax_->answer(sqlOf("tax.person"), {Value::string(kDiffers)},
               row({"pay"}, {Value::string("100.49")}));
  const auto report = ConsistencyCheck::run(*snapshot_, "person.pay", {kAgrees, kDiffers});
  ASSERT_EQ(report.sources.size(), 1U);
  EXPECT_EQ(report.sources[0].agreed, 1U);
  EXPECT_EQ(report.sources[0].disagreed, 1U);
}

TEST_F(ConsistencyCheckTest, AFailingSourceCountsUnavailable) {
  hrHas(kAgrees, "张三", "1");
  civil_->failWith(Error(ErrorCode::SourceUnavailable, "source 'civil' is unreachable"));
  const auto report = ConsistencyCheck::run(*snapshot_, "person.name", {kAgrees});
  EXPECT_EQ(report.sources[0].unavailable, 1U);
  EXPECT_EQ(report.sources[0].compared, 0U);
  EXPECT_EQ(report.sources[0].agreementRate(), 0.0);
  EXPECT_TRUE(report.disagreements.empty());

  hr_->failWith(Error(ErrorCode::SourceTimeout, "source 'hr' timed out"));
  const auto down = ConsistencyCheck::run(*snapshot_, "person.name", {kAgrees});
  EXPECT_EQ(down.authoritativeUnavailable, 1U);
  EXPECT_EQ(down.sources[0].unavailable, 1U);
}

TEST_F(ConsistencyCheckTest, ReadsNoMoreThanTheLargestSample) {
  std::vector<std::string> subjects(ConsistencyCheck::kMaxSample + 5, kNowhere);
  const auto report = ConsistencyCheck::run(*snapshot_, "person.name", subjects);
  EXPECT_EQ(report.subjectsSampled, ConsistencyCheck::kMaxSample);
}

TEST_F(ConsistencyCheckTest, TheDocumentNamesNoValueAndNoSubjectInClear) {
  hrHas(kDiffers, "李四", "1");
  civilHas(kDiffers, Value::string("李五"), Value::string("李四"));
  const auto report = ConsistencyCheck::run(*snapshot_, "person.name", {kDiffers});
  std::string text;
  JsonWriter json(text);
  json.beginObject();
  ConsistencyCheck::writeMembers(report, json);
  json.endObject();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"("indicator":"person.name","authoritative":{"field":"hr.name","source":"hr","missing":0,"unavailable":0},"subjects_sampled":1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"({"field":"civil.name","source":"civil","compared":1,"agreed":0,"disagreed":1,"missing":0,"unavailable":0,"agreement_rate":0})"));
  EXPECT_THAT(text,
              HasSubstr(R"("disagreements":[{"subject":"**************0026","subject_hash":")"));
  EXPECT_THAT(text, HasSubstr(R"("fields":["civil.name"]}])"));
  EXPECT_EQ(text.find(kDiffers), std::string::npos);
  EXPECT_EQ(text.find("李"), std::string::npos);
}

TEST_F(ConsistencyCheckTest, RefusesWhatCannotBeChecked) {
  const auto& catalog = snapshot_->config.mappings;
  const auto refused = [&](const char* indicator) {
    try {
      ConsistencyCheck::fieldsOf(catalog, indicator);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest) << indicator;
      return e.message();
    }
    ADD_FAILURE() << indicator << " was accepted";
    return std::string();
  };
  EXPECT_THAT(refused("person.unknown"), HasSubstr("no field carries indicator 'person.unknown'"));
  EXPECT_THAT(refused("person.nick"), HasSubstr("has no authoritative field"));
  EXPECT_THAT(refused("person.lonely"), HasSubstr("no second source"));
  EXPECT_THAT(refused("mixed"), HasSubstr("different subject types"));
  const auto fields = ConsistencyCheck::fieldsOf(catalog, "person.name");
  EXPECT_EQ(fields.authoritative->id(), "hr.name");
  ASSERT_EQ(fields.others.size(), 2U);
  EXPECT_EQ(fields.others[0]->id(), "civil.name");
  EXPECT_EQ(fields.others[1]->id(), "civil.alias");
}

TEST(ConsistencyCheckMaskTest, ShowsTheLastFourCharactersOnly) {
  EXPECT_EQ(ConsistencyCheck::maskSubject("110101199003070019"), "**************0019");
  EXPECT_EQ(ConsistencyCheck::maskSubject("12345"), "*2345");
  EXPECT_EQ(ConsistencyCheck::maskSubject("1234"), "****");
  EXPECT_EQ(ConsistencyCheck::maskSubject(""), "");
  // Characters, not bytes: a key in Chinese keeps its last four characters whole.
  EXPECT_EQ(ConsistencyCheck::maskSubject("京A一二三四五"), "***二三四五");
}

}  // namespace
}  // namespace oncegate
