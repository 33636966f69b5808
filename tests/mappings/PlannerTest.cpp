#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "mappings/Planner.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kMappings = R"(subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
  - { id: org, key: credit_code, pattern: "^[0-9A-Z]{18}$" }
datasets:
  - id: hr.employee
    source: hr
    subject: person
    query: SELECT * FROM employee WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: tax.income
    source: tax
    subject: person
    query: SELECT * FROM income WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: social.insurance
    source: hrss
    subject: person
    query: SELECT * FROM insured WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: fund.account
    source: housing_fund
    subject: person
    query: SELECT * FROM account WHERE account_no = :acct
    params: { acct: field.person.fund_account }
  - id: fund.loan
    source: housing_fund
    subject: person
    query: SELECT * FROM loan WHERE loan_no = :loan AND holder = :id_card
    params: { loan: field.fund.loan_no, id_card: subject.id_card }
  - id: org.info
    source: market
    subject: org
    query: SELECT * FROM company WHERE credit_code = :credit_code
    params: { credit_code: subject.credit_code }
fields:
  - { id: person.name, dataset: hr.employee, column: name }
  - { id: person.birth_date, dataset: hr.employee, column: birth_date, type: date }
  - { id: person.gender, dataset: hr.employee, column: gender }
  - { id: person.work_start, dataset: hr.employee, column: work_start, type: date }
  - { id: person.fund_account, dataset: hr.employee, column: fund_account, sharing: none }
  - { id: tax.annual_income, dataset: tax.income, column: annual, type: decimal }
  - { id: tax.monthly_income, dataset: tax.income, column: monthly, type: decimal }
  - { id: tax.year, dataset: tax.income, column: year, type: int }
  - { id: tax.office, dataset: tax.income, column: office }
  - { id: si.months, dataset: social.insurance, column: months, type: int }
  - { id: si.base, dataset: social.insurance, column: base, type: decimal }
  - { id: si.status, dataset: social.insurance, column: status }
  - { id: fund.balance, dataset: fund.account, column: balance, type: decimal }
  - { id: fund.loan_no, dataset: fund.account, column: loan_no }
  - { id: fund.loan_balance, dataset: fund.loan, column: balance, type: decimal }
  - { id: org.name, dataset: org.info, column: name }
)";

MappingCatalog makeCatalog() {
  MappingDocuments documents;
  const auto root = ConfigNode::parse(kMappings, "test.yaml");
  documents.addSubjects(root.at("subjects"));
  documents.addDatasets(root.at("datasets"));
  documents.addFields(root.at("fields"));
  return MappingCatalog::build(std::move(documents),
                               {"hr", "tax", "hrss", "housing_fund", "market"});
}

std::vector<std::string> datasetIds(const ResolutionPlan& plan) {
  std::vector<std::string> ids;
  for (const auto& step : plan.datasets) ids.push_back(step.dataset->id());
  return ids;
}

std::vector<std::string> fieldIds(const DatasetPlan& step) {
  std::vector<std::string> ids;
  for (const Field* field : step.fields) ids.push_back(field->id());
  return ids;
}

class PlannerTest : public ::testing::Test {
 protected:
  MappingCatalog catalog_ = makeCatalog();
  Planner planner_{catalog_};
};

TEST_F(PlannerTest, TwelveFieldsOverThreeDatasetsMakeThreeQueries) {
  const auto plan = planner_.plan(
      "person", {"person.name", "tax.year", "si.months", "person.birth_date", "tax.office",
                 "si.base", "person.gender", "tax.annual_income", "si.status", "person.work_start",
                 "tax.monthly_income", "person.fund_account"});
  EXPECT_THAT(plan.unknownFields, IsEmpty());
  EXPECT_THAT(datasetIds(plan), ElementsAre("hr.employee", "tax.income", "social.insurance"));
  EXPECT_THAT(fieldIds(plan.datasets[0]),
              ElementsAre("person.name", "person.birth_date", "person.gender", "person.work_start",
                          "person.fund_account"));
  EXPECT_THAT(fieldIds(plan.datasets[1]),
              ElementsAre("tax.year", "tax.office", "tax.annual_income", "tax.monthly_income"));
  EXPECT_THAT(fieldIds(plan.datasets[2]), ElementsAre("si.months", "si.base", "si.status"));
  for (const auto& step : plan.datasets) {
    EXPECT_EQ(step.stage, 0);
    EXPECT_THAT(step.upstream, IsEmpty());
    ASSERT_EQ(step.bindings.size(), 1u);
    EXPECT_EQ(step.bindings[0].field, nullptr);
  }
}

TEST_F(PlannerTest, ChainedDatasetPullsInItsUpstreamAndRunsAfterIt) {
  const auto plan = planner_.plan("person", {"fund.balance"});
  EXPECT_THAT(datasetIds(plan), ElementsAre("hr.employee", "fund.account"));
  EXPECT_THAT(plan.datasets[0].fields, IsEmpty());
  EXPECT_EQ(plan.datasets[0].stage, 0);
  EXPECT_THAT(fieldIds(plan.datasets[1]), ElementsAre("fund.balance"));
  EXPECT_EQ(plan.datasets[1].stage, 1);
  EXPECT_THAT(plan.datasets[1].upstream, ElementsAre(0u));
  ASSERT_EQ(plan.datasets[1].bindings.size(), 1u);
  EXPECT_EQ(plan.datasets[1].bindings[0].field, catalog_.field("person.fund_account"));
  EXPECT_EQ(plan.datasets[1].bindings[0].upstream, 0u);
}

TEST_F(PlannerTest, PlanningADatasetRunsItsWholeChainAndAnswersAllItsFields) {
  const auto plan = planner_.planDataset("fund.loan");
  EXPECT_THAT(datasetIds(plan), ElementsAre("hr.employee", "fund.account", "fund.loan"));
  EXPECT_THAT(plan.datasets[0].fields, IsEmpty());
  EXPECT_THAT(plan.datasets[1].fields, IsEmpty());
  EXPECT_THAT(fieldIds(plan.datasets[2]), ElementsAre("fund.loan_balance"));
  ASSERT_EQ(plan.datasets[2].bindings.size(), 2u);
  EXPECT_EQ(plan.datasets[2].bindings[0].upstream, 1u);
  EXPECT_EQ(plan.datasets[2].bindings[1].field, nullptr);

  EXPECT_THAT(fieldIds(planner_.planDataset("tax.income").datasets.at(0)),
              ElementsAre("tax.annual_income", "tax.monthly_income", "tax.year", "tax.office"));
  EXPECT_THAT(planner_.planDataset("no.such").datasets, IsEmpty());
}

TEST_F(PlannerTest, ChainedDatasetRequestedFirstStillComesAfterItsUpstream) {
  const auto plan = planner_.plan("person", {"fund.balance", "tax.year", "person.name"});
  EXPECT_THAT(datasetIds(plan), ElementsAre("tax.income", "hr.employee", "fund.account"));
  EXPECT_THAT(fieldIds(plan.datasets[1]), ElementsAre("person.name"));
  EXPECT_THAT(plan.datasets[2].upstream, ElementsAre(1u));
  EXPECT_EQ(plan.datasets[2].bindings[0].upstream, 1u);
}

TEST_F(PlannerTest, TwoLevelChainOrdersByStageAndBindsMixedParams) {
  const auto plan = planner_.plan("person", {"fund.loan_balance"});
  EXPECT_THAT(datasetIds(plan), ElementsAre("hr.employee", "fund.account", "fund.loan"));
  EXPECT_EQ(plan.datasets[2].stage, 2);
  EXPECT_THAT(plan.datasets[2].upstream, ElementsAre(1u));
  ASSERT_EQ(plan.datasets[2].bindings.size(), 2u);
  EXPECT_EQ(plan.datasets[2].bindings[0].field, catalog_.field("fund.loan_no"));
  EXPECT_EQ(plan.datasets[2].bindings[0].upstream, 1u);
  EXPECT_EQ(plan.datasets[2].bindings[1].field, nullptr);
  EXPECT_THAT(plan.datasets[1].fields, IsEmpty());
}

TEST_F(PlannerTest, OneQueryPerDatasetEvenWhenChainsShareIt) {
  const auto plan =
      planner_.plan("person", {"fund.loan_balance", "fund.balance", "person.fund_account"});
  EXPECT_THAT(datasetIds(plan), ElementsAre("hr.employee", "fund.account", "fund.loan"));
  EXPECT_THAT(fieldIds(plan.datasets[0]), ElementsAre("person.fund_account"));
  EXPECT_THAT(fieldIds(plan.datasets[1]), ElementsAre("fund.balance"));
}

// Fields a request has already resolved are planned as their ids would be: same datasets, same
// order, same bindings, a duplicate planned once.
TEST_F(PlannerTest, FieldsTakenFromTheCatalogArePlannedAsTheirIdsAre) {
  const std::vector<std::string> ids = {"fund.balance", "person.name", "tax.year", "person.name",
                                        "fund.loan_balance"};
  std::vector<const Field*> fields;
  for (const auto& id : ids) fields.push_back(catalog_.field(id));
  const auto byId = planner_.plan("person", ids);
  const auto byField = planner_.plan(fields);
  EXPECT_THAT(byField.unknownFields, IsEmpty());
  ASSERT_EQ(datasetIds(byField), datasetIds(byId));
  for (std::size_t i = 0; i < byId.datasets.size(); ++i) {
    EXPECT_EQ(fieldIds(byField.datasets[i]), fieldIds(byId.datasets[i]));
    EXPECT_EQ(byField.datasets[i].stage, byId.datasets[i].stage);
    EXPECT_EQ(byField.datasets[i].upstream, byId.datasets[i].upstream);
    ASSERT_EQ(byField.datasets[i].bindings.size(), byId.datasets[i].bindings.size());
    for (std::size_t b = 0; b < byId.datasets[i].bindings.size(); ++b) {
      EXPECT_EQ(byField.datasets[i].bindings[b].field, byId.datasets[i].bindings[b].field);
      EXPECT_EQ(byField.datasets[i].bindings[b].upstream, byId.datasets[i].bindings[b].upstream);
    }
  }
  EXPECT_THAT(fieldIds(byField.datasets[0]), ElementsAre("person.name"));
}

TEST_F(PlannerTest, UnknownAndDuplicateFieldsAreReportedOnce) {
  const auto plan =
      planner_.plan("person", {"nope", "person.name", "person.name", "nope", "person.*"});
  EXPECT_THAT(plan.unknownFields, ElementsAre("nope", "person.*"));
  ASSERT_EQ(plan.datasets.size(), 1u);
  EXPECT_THAT(fieldIds(plan.datasets[0]), ElementsAre("person.name"));
}

TEST_F(PlannerTest, FieldsOfAnotherSubjectTypeAreUnknown) {
  const auto forPerson = planner_.plan("person", {"org.name", "person.name"});
  EXPECT_THAT(forPerson.unknownFields, ElementsAre("org.name"));
  EXPECT_THAT(datasetIds(forPerson), ElementsAre("hr.employee"));

  const auto forOrg = planner_.plan("org", {"org.name", "person.name"});
  EXPECT_THAT(forOrg.unknownFields, ElementsAre("person.name"));
  EXPECT_THAT(datasetIds(forOrg), ElementsAre("org.info"));
}

TEST_F(PlannerTest, UnknownSubjectTypeMakesEveryFieldUnknown) {
  const auto plan = planner_.plan("vehicle", {"person.name", "org.name"});
  EXPECT_THAT(plan.unknownFields, ElementsAre("person.name", "org.name"));
  EXPECT_THAT(plan.datasets, IsEmpty());
}

TEST_F(PlannerTest, NoFieldsNoQueries) {
  const auto plan = planner_.plan("person", {});
  EXPECT_THAT(plan.datasets, IsEmpty());
  EXPECT_THAT(plan.unknownFields, IsEmpty());
}

}  // namespace
}  // namespace oncegate
