#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "FakeSource.h"
#include "common/Error.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/http/EventLoops.h"
#include "gateway/runtime/SourceSet.h"
#include "gateway/service/PlanExecutor.h"
#include "mappings/MappingCatalog.h"
#include "mappings/Planner.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::SizeIs;
using State = DatasetOutcome::State;
using Clock = std::chrono::steady_clock;
using testing::FakeSource;

constexpr const char* kMappings = R"(subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
datasets:
  - id: hr.employee
    source: hr
    subject: person
    query: SELECT name, gender, birth_date, education, work_start, fund_account FROM employee WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: hr.pension
    source: hr
    subject: person
    query: SELECT months, base, insured_since FROM pension WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: tax.income
    source: tax
    subject: person
    query: SELECT annual, monthly, year, office FROM income WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: fund.account
    source: fund
    subject: person
    query: SELECT balance, loan_no FROM account WHERE account_no = :acct
    params: { acct: field.person.fund_account }
  - id: fund.loan
    source: fund
    subject: person
    query: SELECT balance FROM loan WHERE loan_no = :loan AND holder = :id_card
    params: { loan: field.fund.loan_no, id_card: subject.id_card }
fields:
  - { id: person.name, dataset: hr.employee, column: name }
  - { id: person.gender, dataset: hr.employee, column: gender }
  - { id: person.birth_date, dataset: hr.employee, column: birth_date }
  - { id: person.education, dataset: hr.employee, column: education }
  - { id: person.work_start, dataset: hr.employee, column: work_start }
  - { id: person.fund_account, dataset: hr.employee, column: fund_account, sharing: none }
  - { id: pension.months, dataset: hr.pension, column: months, type: int }
  - { id: pension.base, dataset: hr.pension, column: base }
  - { id: pension.insured_since, dataset: hr.pension, column: insured_since }
  - { id: tax.annual, dataset: tax.income, column: annual }
  - { id: tax.monthly, dataset: tax.income, column: monthly }
  - { id: tax.year, dataset: tax.income, column: year, type: int }
  - { id: tax.office, dataset: tax.income, column: office }
  - { id: fund.balance, dataset: fund.account, column: balance }
  - { id: fund.loan_no, dataset: fund.account, column: loan_no }
  - { id: fund.loan_balance, dataset: fund.loan, column: balance }
)";

constexpr const char* kSubject = "11010519491231002X";
constexpr const char* kOther = "110105195001010011";
constexpr const char* kHashKey = "0123456789abcdef0123456789abcdef";

Row makeRow(std::vector<std::string> columns, std::vector<Value> values) {
  return Row{std::move(columns), std::move(values)};
}

MappingCatalog makeCatalog() {
  MappingDocuments documents;
  const auto root = ConfigNode::parse(kMappings, "executor.yaml");
  documents.addSubjects(root.at("subjects"));
  documents.addDatasets(root.at("datasets"));
  documents.addFields(root.at("fields"));
  return MappingCatalog::build(std::move(documents), {"hr", "tax", "fund"});
}

class PlanExecutorTest : public ::testing::Test {
 protected:
  PlanExecutorTest() {
    sources_.add(hr_);
    sources_.add(tax_);
    sources_.add(fund_);
    loops_.start();
  }

  ~PlanExecutorTest() override {
    // Held queries are answered first, and their completions run on the loop before it stops,
    // so nothing refers to this fixture afterwards.
    for (auto& source : {hr_, tax_, fund_}) source->shutDown();
    drainLoop();
    loops_.stop();
  }

  const std::string& sqlOf(const char* dataset) const { return catalog_.dataset(dataset)->sql(); }

  ResolutionPlan plan(const std::vector<std::string>& fields) const {
    return planner_.plan("person", fields);
  }

  // Starts a run on the I/O thread; the future holds its outcomes.
  std::future<std::vector<DatasetOutcome>> start(const ResolutionPlan& plan,
                                                 const std::string& subject,
                                                 std::chrono::milliseconds budget = 10s) {
    auto promise = std::make_shared<std::promise<std::vector<DatasetOutcome>>>();
    auto future = promise->get_future();
    boost::asio::post(loops_.at(0), [this, &plan, subject, budget, promise] {
      try {
        executor_.run(catalog_, sources_, plan, Value::string(subject), Clock::now() + budget,
                      [promise](std::vector<DatasetOutcome> outcomes) {
                        promise->set_value(std::move(outcomes));
                      });
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    return future;
  }

  static std::vector<DatasetOutcome> await(std::future<std::vector<DatasetOutcome>>& future) {
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "the executor never called done";
      return {};
    }
    return future.get();
  }

  std::vector<DatasetOutcome> runPlan(const ResolutionPlan& plan, const std::string& subject,
                                      std::chrono::milliseconds budget = 10s) {
    auto future = start(plan, subject, budget);
    return await(future);
  }

  // Returns once everything posted to the loop so far has run.
  void drainLoop() {
    std::promise<void> done;
    boost::asio::post(loops_.at(0), [&done] { done.set_value(); });
    done.get_future().wait();
  }

  static std::size_t indexOf(const ResolutionPlan& plan, const std::string& dataset) {
    for (std::size_t i = 0; i < plan.datasets.size(); ++i) {
      if (plan.datasets[i].dataset->id() == dataset) return i;
    }
    ADD_FAILURE() << "dataset " << dataset << " is not in the plan";
    return 0;
  }

  Row employeeRow(std::string fundAccount) const {
    return makeRow({"name", "gender", "birth_date", "education", "work_start", "fund_account"},
                   {Value::string("Li Lei"), Value::string("M"), Value::string("1949-12-31"),
                    Value::string("bachelor"), Value::string("1970-07-01"),
                    fundAccount.empty() ? Value::null() : Value::string(std::move(fundAccount))});
  }

  MappingCatalog catalog_ = makeCatalog();
  Planner planner_{catalog_};
  EventLoops loops_{1};
  MemoryCache cache_;
  PlanExecutor executor_{cache_, kHashKey};
  std::shared_ptr<FakeSource> hr_ = std::make_shared<FakeSource>("hr");
  std::shared_ptr<FakeSource> tax_ = std::make_shared<FakeSource>("tax");
  std::shared_ptr<FakeSource> fund_ = std::make_shared<FakeSource>("fund");
  SourceSet sources_;
};

TEST_F(PlanExecutorTest, TwelveFieldsOverThreeDatasetsRunThreeQueries) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-1"));
  const Row pension = makeRow({"months", "base", "insured_since"},
                              {Value::integer(420), Value::string("5000"), Value::string("1992")});
  hr_->answer(sqlOf("hr.pension"), {Value::string(kSubject)}, pension);
  const Row income = makeRow({"annual", "monthly", "year", "office"},
                             {Value::string("120000"), Value::string("10000"), Value::integer(2025),
                              Value::string("Xicheng")});
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)}, income);

  const auto request =
      plan({"person.name", "person.gender", "person.birth_date", "person.education",
            "person.work_start", "pension.months", "pension.base", "pension.insured_since",
            "tax.annual", "tax.monthly", "tax.year", "tax.office"});
  ASSERT_THAT(request.datasets, SizeIs(3));
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(3));
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.state, State::Found);
    EXPECT_FALSE(outcome.fromCache);
  }
  EXPECT_EQ(*outcomes[indexOf(request, "hr.employee")].row, employeeRow("GJJ-1"));
  EXPECT_EQ(*outcomes[indexOf(request, "hr.pension")].row, pension);
  EXPECT_EQ(*outcomes[indexOf(request, "tax.income")].row, income);
  EXPECT_THAT(hr_->queries(), SizeIs(2));
  EXPECT_THAT(tax_->queries(), SizeIs(1));
  EXPECT_THAT(fund_->queries(), SizeIs(0));
  for (const auto& query : hr_->queries()) {
    EXPECT_THAT(query.params, ElementsAre(Value::string(kSubject)));
  }
}

TEST_F(PlanExecutorTest, DatasetsOnDifferentSourcesAreInFlightTogether) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-1"));
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)},
               makeRow({"annual"}, {Value::string("1")}));
  // Neither source answers before both have been asked: a serial executor would never send the
  // second query and the wait below would fail.
  hr_->hold();
  tax_->hold();
  const auto request = plan({"person.name", "tax.annual"});
  auto future = start(request, kSubject);

  EXPECT_TRUE(hr_->waitForUnanswered(1, 5s));
  EXPECT_TRUE(tax_->waitForUnanswered(1, 5s));
  EXPECT_EQ(hr_->unanswered() + tax_->unanswered(), 2U);
  hr_->release();
  tax_->release();

  const auto outcomes = await(future);
  ASSERT_THAT(outcomes, SizeIs(2));
  EXPECT_EQ(outcomes[0].state, State::Found);
  EXPECT_EQ(outcomes[1].state, State::Found);
}

TEST_F(PlanExecutorTest, ChainedDatasetRunsAfterItsUpstreamWithTheUpstreamValueBound) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-7"));
  const Row account =
      makeRow({"balance", "loan_no"}, {Value::string("8800.50"), Value::string("L-3")});
  fund_->answer(sqlOf("fund.account"), {Value::string("GJJ-7")}, account);
  const Row loan = makeRow({"balance"}, {Value::string("120000")});
  fund_->answer(sqlOf("fund.loan"), {Value::string("L-3"), Value::string(kSubject)}, loan);
  // A slow first stage: a chained query sent before it answered would carry no key.
  hr_->setDelay(100ms);

  const auto request = plan({"fund.loan_balance"});
  ASSERT_THAT(request.datasets, SizeIs(3));
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(3));
  EXPECT_EQ(outcomes[indexOf(request, "hr.employee")].state, State::Found);
  EXPECT_EQ(outcomes[indexOf(request, "fund.account")].state, State::Found);
  EXPECT_EQ(*outcomes[indexOf(request, "fund.account")].row, account);
  EXPECT_EQ(outcomes[indexOf(request, "fund.loan")].state, State::Found);
  EXPECT_EQ(*outcomes[indexOf(request, "fund.loan")].row, loan);
  const auto asked = fund_->queries();
  ASSERT_THAT(asked, SizeIs(2));
  EXPECT_EQ(asked[0].sql, sqlOf("fund.account"));
  EXPECT_THAT(asked[0].params, ElementsAre(Value::string("GJJ-7")));
  // Bindings follow the `?` order: the upstream field first, then the subject key.
  EXPECT_EQ(asked[1].sql, sqlOf("fund.loan"));
  EXPECT_THAT(asked[1].params, ElementsAre(Value::string("L-3"), Value::string(kSubject)));
}

TEST_F(PlanExecutorTest, UpstreamNotFoundMakesTheChainedDatasetNotFoundWithoutAQuery) {
  const auto request = plan({"fund.balance"});
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(2));
  EXPECT_EQ(outcomes[indexOf(request, "hr.employee")].state, State::NotFound);
  EXPECT_EQ(outcomes[indexOf(request, "fund.account")].state, State::NotFound);
  EXPECT_THAT(hr_->queries(), SizeIs(1));
  EXPECT_THAT(fund_->queries(), SizeIs(0));
}

TEST_F(PlanExecutorTest, NullUpstreamKeyMakesTheChainedDatasetNotFoundWithoutAQuery) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow(""));
  const auto request = plan({"fund.balance"});
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(2));
  EXPECT_EQ(outcomes[indexOf(request, "hr.employee")].state, State::Found);
  EXPECT_EQ(outcomes[indexOf(request, "fund.account")].state, State::NotFound);
  EXPECT_THAT(fund_->queries(), SizeIs(0));
}

TEST_F(PlanExecutorTest, UnavailableUpstreamMakesTheChainedDatasetUnavailable) {
  hr_->failWith(Error(ErrorCode::SourceUnavailable, "hr database is down"));
  const auto request = plan({"fund.balance"});
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(2));
  EXPECT_EQ(outcomes[indexOf(request, "hr.employee")].state, State::Unavailable);
  const auto& chained = outcomes[indexOf(request, "fund.account")];
  EXPECT_EQ(chained.state, State::Unavailable);
  EXPECT_EQ(chained.problem, "the dataset that yields its key is unavailable");
  EXPECT_THAT(fund_->queries(), SizeIs(0));
}

TEST_F(PlanExecutorTest, UpstreamRowWithoutTheKeyColumnMakesTheChainedDatasetUnavailable) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)},
              makeRow({"name"}, {Value::string("Li Lei")}));
  const auto request = plan({"fund.balance"});
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(2));
  const auto& chained = outcomes[indexOf(request, "fund.account")];
  EXPECT_EQ(chained.state, State::Unavailable);
  EXPECT_FALSE(chained.problem.empty());
  EXPECT_THAT(fund_->queries(), SizeIs(0));
}

TEST_F(PlanExecutorTest, SecondRunIsServedFromTheCache) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-1"));
  const auto request = plan({"person.name"});
  const auto first = runPlan(request, kSubject);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].state, State::Found);
  EXPECT_FALSE(first[0].fromCache);

  const auto second = runPlan(request, kSubject);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].state, State::Found);
  EXPECT_TRUE(second[0].fromCache);
  EXPECT_EQ(*second[0].row, *first[0].row);
  EXPECT_THAT(hr_->queries(), SizeIs(1));

  // Another subject is another key: it goes to the source.
  const auto other = runPlan(request, kOther);
  ASSERT_THAT(other, SizeIs(1));
  EXPECT_EQ(other[0].state, State::NotFound);
  EXPECT_FALSE(other[0].fromCache);
  EXPECT_THAT(hr_->queries(), SizeIs(2));
}

TEST_F(PlanExecutorTest, ASourcesAnswerIsTimedAndACachedRowIsNot) {
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-1"));
  hr_->setDelay(20ms);
  const auto request = plan({"person.name"});
  const auto first = runPlan(request, kSubject);
  ASSERT_THAT(first, SizeIs(1));
  ASSERT_TRUE(first[0].latencyMs.has_value());
  // At least the source's own delay; well under the request's budget.
  EXPECT_GE(*first[0].latencyMs, 20.0);
  EXPECT_LT(*first[0].latencyMs, 5000.0);

  const auto second = runPlan(request, kSubject);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_TRUE(second[0].fromCache);
  EXPECT_FALSE(second[0].latencyMs.has_value());
}

TEST_F(PlanExecutorTest, NotFoundIsCachedToo) {
  const auto request = plan({"tax.annual"});
  const auto first = runPlan(request, kSubject);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].state, State::NotFound);
  EXPECT_FALSE(first[0].fromCache);

  const auto second = runPlan(request, kSubject);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].state, State::NotFound);
  EXPECT_TRUE(second[0].fromCache);
  EXPECT_THAT(tax_->queries(), SizeIs(1));
}

TEST_F(PlanExecutorTest, AFailedQueryIsNotCached) {
  tax_->failWith(Error(ErrorCode::SourceUnavailable, "tax database is down"));
  const auto request = plan({"tax.annual"});
  EXPECT_EQ(runPlan(request, kSubject).at(0).state, State::Unavailable);
  EXPECT_EQ(runPlan(request, kSubject).at(0).state, State::Unavailable);
  EXPECT_THAT(tax_->queries(), SizeIs(2));
}

TEST_F(PlanExecutorTest, ConcurrentRunsForTheSameKeyShareOneQuery) {
  const Row income = makeRow({"annual"}, {Value::string("99")});
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)}, income);
  tax_->hold();
  const auto request = plan({"tax.annual"});
  std::vector<std::future<std::vector<DatasetOutcome>>> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(start(request, kSubject));
  // Every run has missed the cache and joined the query before the source answers.
  drainLoop();
  EXPECT_THAT(tax_->queries(), SizeIs(1));
  tax_->release();

  for (auto& run : runs) {
    const auto outcomes = await(run);
    ASSERT_THAT(outcomes, SizeIs(1));
    EXPECT_EQ(outcomes[0].state, State::Found);
    EXPECT_FALSE(outcomes[0].fromCache);
    EXPECT_EQ(*outcomes[0].row, income);
  }
  EXPECT_THAT(tax_->queries(), SizeIs(1));
}

TEST_F(PlanExecutorTest, HangingSourceIsUnavailableAtTheDeadlineWhileTheOtherIsFound) {
  hr_->hold();
  const Row income = makeRow({"annual"}, {Value::string("99")});
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)}, income);
  const auto request = plan({"person.name", "tax.annual"});

  const auto began = Clock::now();
  const auto outcomes = runPlan(request, kSubject, 300ms);
  EXPECT_GE(Clock::now() - began, 300ms);

  ASSERT_THAT(outcomes, SizeIs(2));
  const auto& hung = outcomes[indexOf(request, "hr.employee")];
  EXPECT_EQ(hung.state, State::Unavailable);
  EXPECT_EQ(hung.problem, "no answer within the request budget");
  EXPECT_EQ(outcomes[indexOf(request, "tax.income")].state, State::Found);
  EXPECT_EQ(*outcomes[indexOf(request, "tax.income")].row, income);
}

TEST_F(PlanExecutorTest, AnAnswerAfterTheDeadlineStillFillsTheCache) {
  const Row income = makeRow({"annual"}, {Value::string("99")});
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)}, income);
  tax_->hold();
  // The request gives up and frees its plan (as the API handler does) before the source answers.
  auto request = std::make_unique<ResolutionPlan>(plan({"tax.annual"}));
  const auto late = runPlan(*request, kSubject, 100ms);
  ASSERT_THAT(late, SizeIs(1));
  EXPECT_EQ(late[0].state, State::Unavailable);
  request.reset();
  tax_->release();
  ASSERT_TRUE(tax_->waitUntilAnswered(5s));
  drainLoop();

  const auto again = plan({"tax.annual"});
  const auto next = runPlan(again, kSubject);
  ASSERT_THAT(next, SizeIs(1));
  EXPECT_EQ(next[0].state, State::Found);
  EXPECT_TRUE(next[0].fromCache);
  EXPECT_EQ(*next[0].row, income);
  EXPECT_THAT(tax_->queries(), SizeIs(1));
}

TEST_F(PlanExecutorTest, FailingSourceIsUnavailableWithItsProblem) {
  tax_->failWith(Error(ErrorCode::SourceUnavailable, "tax database is down", "driver text"));
  hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow("GJJ-1"));
  const auto request = plan({"person.name", "tax.annual"});
  const auto outcomes = runPlan(request, kSubject);

  ASSERT_THAT(outcomes, SizeIs(2));
  const auto& failed = outcomes[indexOf(request, "tax.income")];
  EXPECT_EQ(failed.state, State::Unavailable);
  EXPECT_EQ(failed.problem, "tax database is down");
  EXPECT_EQ(outcomes[indexOf(request, "hr.employee")].state, State::Found);
}

TEST_F(PlanExecutorTest, RefusesToRunOffAnIoThread) {
  const auto request = plan({"person.name"});
  try {
    executor_.run(catalog_, sources_, request, Value::string(kSubject), Clock::now() + 1s,
                  [](std::vector<DatasetOutcome>) {});
    FAIL() << "run() accepted a call off the I/O threads";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
  }
  EXPECT_THAT(hr_->queries(), SizeIs(0));
}

}  // namespace
}  // namespace oncegate
