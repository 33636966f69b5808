#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/DatasetDryRun.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/Dataset.h"
#include "tests/gateway/service/FakeSource.h"

namespace oncegate {
namespace {

using Outcome = DatasetDryRun::Step::Outcome;
using testing::FakeSource;

// A chained dataset: the fund account number comes from hr, the balance from the fund centre.
constexpr const char* kDocuments = R"(sources:
  - { id: hr, department: hr bureau, odbc: "Driver=none" }
  - { id: fund, department: fund centre, odbc: "Driver=none" }
subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
datasets:
  - { id: hr.person, source: hr, subject: person, query: "SELECT account FROM p WHERE id = :id", params: { id: subject.id_card } }
  - { id: fund.account, source: fund, subject: person, query: "SELECT balance FROM a WHERE no = :no", params: { no: field.person.account } }
fields:
  - { id: person.account, dataset: hr.person, column: account, sharing: none }
  - { id: fund.balance, dataset: fund.account, column: balance, type: decimal }
)";

constexpr const char* kSubject = "110101199003070019";

class DatasetDryRunTest : public ::testing::Test {
 protected:
  DatasetDryRunTest() {
    auto settings = parseGatewayConfig(
        ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"),
        "/nonexistent", std::nullopt);
    std::vector<ConfigDocument> documents;
    const auto root = ConfigNode::parse(kDocuments, "documents.yaml");
    for (const auto& [kind, list] : root.entries()) {
      for (const auto& item : list.items()) {
        documents.push_back(ConfigDocument{kind, item.at("id").asString(), item});
      }
    }
    SourceSet sources;
    sources.add(hr_);
    sources.add(fund_);
    snapshot_ = std::make_unique<GatewaySnapshot>(
        buildConfiguration(std::move(settings), std::move(documents)), std::move(sources));
  }

  std::string sqlOf(const char* dataset) const {
    return snapshot_->config.mappings.dataset(dataset)->sql();
  }

  std::shared_ptr<FakeSource> hr_ = std::make_shared<FakeSource>("hr");
  std::shared_ptr<FakeSource> fund_ = std::make_shared<FakeSource>("fund");
  std::unique_ptr<GatewaySnapshot> snapshot_;
};

TEST_F(DatasetDryRunTest, RunsTheChainStraightAgainstTheSourcesAndShowsEveryBinding) {
  hr_->answer(sqlOf("hr.person"), {Value::string(kSubject)},
              Row{{"account"}, {Value::string("GJJ-7")}});
  fund_->answer(sqlOf("fund.account"), {Value::string("GJJ-7")},
                Row{{"balance"}, {Value::string("1200.50")}});
  const auto steps = DatasetDryRun::run(*snapshot_, "fund.account", Value::string(kSubject));
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(steps[0].dataset->id(), "hr.person");
  EXPECT_EQ(steps[0].outcome, Outcome::Found);
  ASSERT_EQ(steps[0].params.size(), 1U);
  EXPECT_EQ(steps[0].params[0].from, "subject.id_card");
  EXPECT_EQ(steps[1].dataset->id(), "fund.account");
  EXPECT_EQ(steps[1].outcome, Outcome::Found);
  EXPECT_EQ(steps[1].params[0].name, "no");
  EXPECT_EQ(steps[1].params[0].from, "field.person.account");
  EXPECT_EQ(steps[1].params[0].value, Value::string("GJJ-7"));
  ASSERT_TRUE(steps[1].row);
  EXPECT_EQ(*steps[1].row->find("balance"), Value::string("1200.50"));
}

TEST_F(DatasetDryRunTest, AStepWithoutItsUpstreamKeyIsSkippedAndSaysWhy) {
  const auto steps = DatasetDryRun::run(*snapshot_, "fund.account", Value::string(kSubject));
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(steps[0].outcome, Outcome::NotFound);
  EXPECT_EQ(steps[1].outcome, Outcome::Skipped);
  EXPECT_THAT(steps[1].skippedBecause, ::testing::HasSubstr("'hr.person' gave no row"));
  EXPECT_TRUE(fund_->queries().empty());
}

TEST_F(DatasetDryRunTest, AFailingSourceIsAFailedStep) {
  hr_->failWith(Error(ErrorCode::SourceUnavailable, "source 'hr' is unreachable"));
  const auto steps = DatasetDryRun::run(*snapshot_, "hr.person", Value::string(kSubject));
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].outcome, Outcome::Failed);
  ASSERT_TRUE(steps[0].error);
  EXPECT_EQ(steps[0].error->code(), ErrorCode::SourceUnavailable);
  EXPECT_EQ(DatasetDryRun::outcomeName(Outcome::Failed), "failed");
}

TEST_F(DatasetDryRunTest, AnUnknownDatasetIsNotFound) {
  try {
    DatasetDryRun::run(*snapshot_, "nowhere", Value::string(kSubject));
    ADD_FAILURE() << "an unknown dataset ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

}  // namespace
}  // namespace oncegate
