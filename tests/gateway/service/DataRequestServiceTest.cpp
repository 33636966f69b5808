#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "FakeSource.h"
#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/config/Configuration.h"
#include "gateway/http/EventLoops.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"
#include "gateway/service/DataRequestService.h"
#include "gateway/service/PlanExecutor.h"
#include "policies/Mask.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::FakeSource;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Call = DataRequestService::Call;
using Outcome = DataRequestService::Outcome;
using Kind = DataRequestKind;

constexpr const char* kHashKey = "0123456789abcdef0123456789abcdef";
// The hash mask's own secret, apart from the cache keys' hash_key.
constexpr const char* kMaskKey = "a-mask-key-that-is-not-the-hash-key";
constexpr const char* kSubject = "11010519491231002X";
constexpr const char* kCompany = "91110000MA01ABCDEF";

// Two sources, two subject types, one client with a purpose that needs a case number and one
// that does not, and a mask of every kind on person fields.
constexpr const char* kDocuments = R"(sources:
  - { id: hr, department: hr bureau, odbc: "Driver=none" }
  - { id: tax, department: tax bureau, odbc: "Driver=none" }
subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
  - { id: company, key: uscc, pattern: "^[0-9A-Z]{18}$" }
datasets:
  - id: hr.employee
    source: hr
    subject: person
    query: SELECT id_card, name, gender, birth_date, education, work_start, phone, nickname, health_note, fund_account FROM employee WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: tax.income
    source: tax
    subject: person
    query: SELECT annual FROM income WHERE id_card = :id_card
    params: { id_card: subject.id_card }
  - id: hr.company
    source: hr
    subject: company
    query: SELECT name FROM company WHERE uscc = :uscc
    params: { uscc: subject.uscc }
fields:
  - { id: person.id_card, dataset: hr.employee, column: id_card }
  - { id: person.name, dataset: hr.employee, column: name }
  - { id: person.gender, dataset: hr.employee, column: gender }
  - { id: person.birth_date, dataset: hr.employee, column: birth_date, type: date }
  - { id: person.education, dataset: hr.employee, column: education }
  - { id: person.work_start, dataset: hr.employee, column: work_start }
  - { id: person.phone, dataset: hr.employee, column: phone }
  - { id: person.nickname, dataset: hr.employee, column: nickname }
  - { id: person.health.note, dataset: hr.employee, column: health_note }
  - { id: person.fund_account, dataset: hr.employee, column: fund_account, sharing: none }
  - { id: tax.annual, dataset: tax.income, column: annual }
  - { id: company.name, dataset: hr.company, column: name }
forms:
  - id: retirement
    title: retirement
    purpose: retirement
    subject: person
    fields:
      - person.name
      - person.id_card
      - person.nickname
      - person.health.note
      - person.gender
      - tax.annual
      - { id: applicant.photo, supplied_by: applicant }
clients:
  - id: retirement-app
    department: Organisation Department
    api_key_sha256: "d18fef2606776aaabbefacc9c0c8671fd1fd0d33f5653bab984d5cb8fd2c2f6e"
    purposes: [retirement, statistics]
policies:
  - id: retirement-personnel
    clients: [retirement-app]
    purposes: [retirement]
    allow: ["person.*", "tax.*"]
    deny: ["person.health.*"]
    verify_only: ["person.phone"]
    mask:
      person.id_card: show_last_4
      person.name: show_first_1
      person.birth_date: year_only
      person.education: hash
      person.gender: redact
      person.work_start: none
    require_case: true
  - id: statistics
    clients: [retirement-app]
    purposes: [statistics]
    allow: ["person.name"]
  - id: statistics-inquiry
    clients: [retirement-app]
    purposes: [statistics]
    allow: ["person.gender"]
    confidential: true
    disclose_after: 2031-06-30
  - id: statistics-older-inquiry
    clients: [retirement-app]
    purposes: [statistics]
    allow: ["person.gender"]
    confidential: true
    disclose_after: 2029-01-01
)";

constexpr const char* kGateway =
    "hash_key: 0123456789abcdef0123456789abcdef\n"
    "mask_key: a-mask-key-that-is-not-the-hash-key\n"
    "limits: { max_fields: 8, request_timeout: 5s }\n";

// The unmasked values of the employee row; none of the masked ones may leave the service.
const std::map<std::string, std::string> kEmployee = {
    {"id_card", kSubject},        {"name", "李小龙"},        {"gender", "M"},
    {"birth_date", "1949-12-31"}, {"education", "bachelor"}, {"work_start", "1970-07-01"},
    {"phone", "13800138000"},     {"health_note", "asthma"}, {"fund_account", "GJJ-7"}};

Configuration makeConfiguration(const std::string& gateway) {
  auto settings =
      parseGatewayConfig(ConfigNode::parse(gateway, "gateway.yaml"), "/nonexistent", std::nullopt);
  std::vector<ConfigDocument> documents;
  const auto root = ConfigNode::parse(kDocuments, "documents.yaml");
  for (const auto& [kind, list] : root.entries()) {
    for (const auto& item : list.items()) {
      documents.push_back(ConfigDocument{kind, item.at("id").asString(), item});
    }
  }
  return buildConfiguration(std::move(settings), std::move(documents));
}

// Records every line; answers each according to its mode. `Strict` keeps the callbacks until the
// test completes them from its own thread, as the writer thread would once the line is synced.
class CapturingAuditLog : public AuditLog {
 public:
  enum class Mode { Batch, Strict, Failing };

  void append(std::string record, Durable durable) override {
    Mode mode;
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
      mode = mode_;
      if (mode == Mode::Strict) pending_.push_back(std::move(durable));
      appended_.notify_all();
    }
    if (mode == Mode::Batch) durable(true);
    if (mode == Mode::Failing) durable(false);
  }
  bool healthy() const override {
    std::lock_guard lock(mutex_);
    return mode_ != Mode::Failing;
  }

  void setMode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
  }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  bool waitForRecords(std::size_t count) const {
    std::unique_lock lock(mutex_);
    return appended_.wait_for(lock, 10s, [&] { return records_.size() >= count; });
  }
  // Runs the kept callbacks with `recorded`.
  void complete(bool recorded) {
    std::vector<Durable> pending;
    {
      std::lock_guard lock(mutex_);
      pending.swap(pending_);
    }
    for (auto& durable : pending) durable(recorded);
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable appended_;
  std::vector<std::string> records_;
  std::vector<Durable> pending_;
  Mode mode_ = Mode::Batch;
};

class DataRequestServiceTest : public ::testing::Test {
 protected:
  DataRequestServiceTest() {
    loops_.start();
    install(kGateway);
    hr_->answer(sqlOf("hr.employee"), {Value::string(kSubject)}, employeeRow());
  }

  ~DataRequestServiceTest() override {
    // Held queries are answered first and their completions run on the loop before it stops.
    hr_->shutDown();
    tax_->shutDown();
    drainLoop();
    loops_.stop();
  }

  void install(const std::string& gateway) {
    live_.install(live_.build(makeConfiguration(gateway), 1, live_.current().get()));
  }

  const std::string& sqlOf(const char* dataset) const {
    return live_.current()->config.mappings.dataset(dataset)->sql();
  }

  static Row employeeRow() {
    Row row;
    for (const auto& [column, value] : kEmployee) {
      row.columns.push_back(column);
      row.values.push_back(Value::string(value));
    }
    row.columns.emplace_back("nickname");
    row.values.push_back(Value::null());
    return row;
  }

  std::shared_ptr<Call> call(Kind kind, std::vector<std::string> fields,
                             std::string purpose = "retirement", std::string caseNumber = "C-1") {
    auto made = std::make_shared<Call>();
    made->snapshot = live_.current();
    made->client = made->snapshot->config.clients.find("retirement-app");
    made->kind = kind;
    made->request.purpose = std::move(purpose);
    made->request.caseNumber = std::move(caseNumber);
    made->request.subjectType = "person";
    made->request.subjectKeys = {{"id_card", kSubject}};
    made->request.fields = std::move(fields);
    made->requestId = "req-1";
    made->route = "/v1/resolve";
    return made;
  }
  std::shared_ptr<Call> resolve(std::vector<std::string> fields) {
    return call(Kind::Resolve, std::move(fields));
  }
  std::shared_ptr<Call> verify(std::vector<std::pair<std::string, std::string>> claims) {
    auto made = call(Kind::Verify, {});
    made->request.claims = std::move(claims);
    made->route = "/v1/verify";
    return made;
  }
  std::shared_ptr<Call> prefill(std::string form) {
    auto made = call(Kind::Prefill, {}, "");
    made->form = std::move(form);
    made->route = "/v1/prefill";
    return made;
  }

  // serve() on the I/O thread, as the HTTP handler calls it; the future holds what `done` got.
  std::future<Outcome> start(std::shared_ptr<Call> request) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    boost::asio::post(loops_.at(0), [this, request, promise] {
      service_.serve(request,
                     [promise](Outcome outcome) { promise->set_value(std::move(outcome)); });
    });
    return future;
  }
  static Outcome await(std::future<Outcome>& future) {
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "the service never called done";
      return Error(ErrorCode::Internal, "no answer");
    }
    return future.get();
  }
  Outcome serve(std::shared_ptr<Call> request) {
    auto future = start(std::move(request));
    return await(future);
  }
  DataAnswer answer(std::shared_ptr<Call> request) {
    auto outcome = serve(std::move(request));
    if (auto* error = std::get_if<Error>(&outcome)) {
      ADD_FAILURE() << "refused: " << error->message();
      return {};
    }
    return std::get<DataAnswer>(std::move(outcome));
  }
  static Error refusal(Outcome outcome) {
    if (auto* error = std::get_if<Error>(&outcome)) return *error;
    ADD_FAILURE() << "answered where a refusal was expected";
    return Error(ErrorCode::Internal, "answered");
  }

  // The one audit record so far, parsed.
  simdjson::dom::element lastRecord() {
    const auto records = audit_.records();
    EXPECT_FALSE(records.empty());
    recordText_ = records.empty() ? "{}" : records.back();
    return parser_.parse(recordText_);
  }

  void drainLoop() {
    std::promise<void> done;
    boost::asio::post(loops_.at(0), [&done] { done.set_value(); });
    done.get_future().wait();
  }

  static const DataAnswer::Field& fieldOf(const DataAnswer& answer, const std::string& id) {
    for (const auto& field : answer.fields) {
      if (field.id == id) return field;
    }
    ADD_FAILURE() << "no field " << id << " in the answer";
    static const DataAnswer::Field none;
    return none;
  }

  SnapshotRetirer retirer_;
  EventLoops loops_{1};
  MemoryCache cache_;
  PlanExecutor executor_{cache_, kHashKey};
  std::shared_ptr<FakeSource> hr_ = std::make_shared<FakeSource>("hr");
  std::shared_ptr<FakeSource> tax_ = std::make_shared<FakeSource>("tax");
  LiveConfiguration live_{[this](const SourceConfig& source) -> std::shared_ptr<Source> {
                            if (source.id == "hr") return hr_;
                            return tax_;
                          },
                          retirer_};
  CapturingAuditLog audit_;
  DataRequestService service_{live_, executor_, audit_};
  simdjson::dom::parser parser_;
  std::string recordText_;
};

TEST_F(DataRequestServiceTest, AReadableFieldIsOkWithItsSource) {
  const auto got = answer(resolve({"person.work_start"}));
  ASSERT_THAT(got.fields, SizeIs(1));
  const auto& field = got.fields[0];
  EXPECT_EQ(field.id, "person.work_start");
  EXPECT_EQ(field.status, FieldStatus::Ok);
  EXPECT_EQ(field.value, Value::string("1970-07-01"));
  EXPECT_EQ(field.source, "hr");
  EXPECT_FALSE(field.cached);
  EXPECT_FALSE(got.form.has_value());
}

TEST_F(DataRequestServiceTest, NoRowAndANullColumnAreBothNotFound) {
  // tax has no row for the subject; the employee row holds NULL for the nickname.
  const auto got = answer(resolve({"tax.annual", "person.nickname"}));
  ASSERT_THAT(got.fields, SizeIs(2));
  EXPECT_EQ(fieldOf(got, "tax.annual").status, FieldStatus::NotFound);
  EXPECT_EQ(fieldOf(got, "person.nickname").status, FieldStatus::NotFound);
  EXPECT_FALSE(fieldOf(got, "tax.annual").value.has_value());
  EXPECT_FALSE(fieldOf(got, "person.nickname").value.has_value());
}

TEST_F(DataRequestServiceTest, DeniedFieldsCarryTheirReasonAndCostNoQuery) {
  auto got = answer(resolve({"person.health.note", "person.fund_account"}));
  EXPECT_EQ(fieldOf(got, "person.health.note").status, FieldStatus::Denied);
  EXPECT_EQ(fieldOf(got, "person.health.note").reason, "denied by policy retirement-personnel");
  EXPECT_EQ(fieldOf(got, "person.fund_account").status, FieldStatus::Denied);
  EXPECT_EQ(fieldOf(got, "person.fund_account").reason, "sharing class none: never shared");
  EXPECT_THAT(hr_->queries(), IsEmpty());

  // Under a purpose whose grant does not name the field.
  got = answer(call(Kind::Resolve, {"tax.annual"}, "statistics", ""));
  EXPECT_EQ(fieldOf(got, "tax.annual").status, FieldStatus::Denied);
  EXPECT_EQ(fieldOf(got, "tax.annual").reason, "no grant for retirement-app/statistics");
  EXPECT_THAT(tax_->queries(), IsEmpty());
}

TEST_F(DataRequestServiceTest, AVerifyOnlyFieldIsNeverReadByResolve) {
  const auto got = answer(resolve({"person.phone"}));
  const auto& field = fieldOf(got, "person.phone");
  EXPECT_EQ(field.status, FieldStatus::VerifyOnly);
  EXPECT_FALSE(field.value.has_value());
  EXPECT_THAT(field.reason, HasSubstr("/v1/verify"));
  EXPECT_THAT(hr_->queries(), IsEmpty());
}

TEST_F(DataRequestServiceTest, UnknownFieldsIncludeAFieldOfAnotherSubjectType) {
  const auto got = answer(resolve({"person.shoe_size", "company.name"}));
  ASSERT_THAT(got.fields, SizeIs(2));
  EXPECT_EQ(fieldOf(got, "person.shoe_size").status, FieldStatus::UnknownField);
  EXPECT_EQ(fieldOf(got, "company.name").status, FieldStatus::UnknownField);
  EXPECT_THAT(hr_->queries(), IsEmpty());
}

TEST_F(DataRequestServiceTest, AFailingSourceIsUnavailableWhileTheOtherAnswers) {
  tax_->failWith(Error(ErrorCode::SourceUnavailable, "tax database is down", "driver text"));
  const auto got = answer(resolve({"tax.annual", "person.work_start"}));
  const auto& failed = fieldOf(got, "tax.annual");
  EXPECT_EQ(failed.status, FieldStatus::Unavailable);
  EXPECT_FALSE(failed.value.has_value());
  EXPECT_THAT(failed.reason, IsEmpty());  // the source's text is for the log only
  EXPECT_EQ(fieldOf(got, "person.work_start").status, FieldStatus::Ok);
}

TEST_F(DataRequestServiceTest, ASourcePastTheRequestDeadlineIsUnavailable) {
  install(
      "hash_key: 0123456789abcdef0123456789abcdef\nmask_key: a-mask-key-that-is-not-the-hash-key\n"
      "limits: { request_timeout: 200ms }\n");
  tax_->hold();
  const auto began = std::chrono::steady_clock::now();
  const auto got = answer(resolve({"tax.annual", "person.work_start"}));
  EXPECT_GE(std::chrono::steady_clock::now() - began, 200ms);
  EXPECT_EQ(fieldOf(got, "tax.annual").status, FieldStatus::Unavailable);
  EXPECT_EQ(fieldOf(got, "person.work_start").status, FieldStatus::Ok);
}

TEST_F(DataRequestServiceTest, VerifyAnswersWhetherTheClaimMatchesAndNeverTheValue) {
  const auto got =
      answer(verify({{"person.work_start", "1970-07-01"}, {"person.phone", "13800138000"}}));
  ASSERT_THAT(got.fields, SizeIs(2));
  EXPECT_EQ(fieldOf(got, "person.work_start").match, true);
  // verify_only grants exist for exactly this.
  EXPECT_EQ(fieldOf(got, "person.phone").status, FieldStatus::Ok);
  EXPECT_EQ(fieldOf(got, "person.phone").match, true);
  EXPECT_EQ(answer(verify({{"person.work_start", "1970-07-02"}})).fields.at(0).match, false);
  for (const auto& field : got.fields) {
    EXPECT_FALSE(field.value.has_value()) << field.id;
  }
}

// Issue 9, finding 3: a match against the unmasked value let repeated guesses recover what a
// mask hides. A field readable only masked is not verifiable.
TEST_F(DataRequestServiceTest, AMaskedFieldIsNotVerifiable) {
  const auto got = answer(verify({{"person.name", "李小龙"}, {"person.birth_date", "1949-12-31"}}));
  ASSERT_THAT(got.fields, SizeIs(2));
  for (const auto& field : got.fields) {
    EXPECT_EQ(field.status, FieldStatus::Denied) << field.id;
    EXPECT_FALSE(field.match.has_value()) << field.id;
    EXPECT_THAT(field.reason, HasSubstr("a masked field cannot be verified")) << field.id;
  }
}

TEST_F(DataRequestServiceTest, EveryMaskKindIsAppliedAndNoUnmaskedValueLeaves) {
  const auto got = answer(resolve({"person.id_card", "person.name", "person.birth_date",
                                   "person.education", "person.gender", "person.work_start"}));
  ASSERT_THAT(got.fields, SizeIs(6));
  for (const auto& field : got.fields) EXPECT_EQ(field.status, FieldStatus::Ok) << field.id;
  EXPECT_EQ(fieldOf(got, "person.id_card").value, Value::string("**************002X"));
  EXPECT_EQ(fieldOf(got, "person.name").value, Value::string("李**"));
  EXPECT_EQ(fieldOf(got, "person.birth_date").value, Value::string("1949"));
  EXPECT_EQ(fieldOf(got, "person.education").value,
            applyMask(MaskKind::Hash, Value::string("bachelor"), kMaskKey));
  // Keyed with mask_key, never hash_key: a masked value says nothing about cache keys.
  EXPECT_NE(fieldOf(got, "person.education").value,
            applyMask(MaskKind::Hash, Value::string("bachelor"), kHashKey));
  EXPECT_THAT(fieldOf(got, "person.education").value->toString(), SizeIs(32));
  EXPECT_EQ(fieldOf(got, "person.gender").value, Value::string("***"));
  EXPECT_EQ(fieldOf(got, "person.work_start").value, Value::string("1970-07-01"));

  // Neither the answer nor the audit record carries a masked field's real value.
  const auto records = audit_.records();
  ASSERT_THAT(records, SizeIs(1));
  for (const char* column : {"name", "birth_date", "education"}) {
    const auto& raw = kEmployee.at(column);
    for (const auto& field : got.fields) {
      EXPECT_THAT(field.value->toString(), ::testing::Not(HasSubstr(raw))) << field.id;
      EXPECT_THAT(field.reason, ::testing::Not(HasSubstr(raw))) << field.id;
    }
    EXPECT_THAT(records[0], ::testing::Not(HasSubstr(raw)));
  }
  EXPECT_NE(fieldOf(got, "person.id_card").value->toString(), kSubject);
  EXPECT_NE(fieldOf(got, "person.gender").value->toString(), "M");
}

TEST_F(DataRequestServiceTest, AFieldAskedTwiceIsAnsweredOnceWithOneQuery) {
  const auto got = answer(resolve({"person.work_start", "person.gender", "person.work_start"}));
  ASSERT_THAT(got.fields, SizeIs(2));
  EXPECT_EQ(got.fields[0].id, "person.work_start");
  EXPECT_EQ(got.fields[1].id, "person.gender");
  EXPECT_THAT(hr_->queries(), SizeIs(1));
  const auto record = lastRecord();
  EXPECT_EQ(simdjson::dom::object(record["fields"]).size(), 2U);
}

TEST_F(DataRequestServiceTest, PrefillSummarisesWhatTheApplicantStillSupplies) {
  const auto got = answer(prefill("retirement"));
  ASSERT_TRUE(got.form.has_value());
  const auto& form = *got.form;
  EXPECT_EQ(form.id, "retirement");
  // nickname is NULL, the health note is denied, tax has no row, the photo is the applicant's.
  EXPECT_THAT(form.toSupply, ElementsAre("person.nickname", "person.health.note", "tax.annual",
                                         "applicant.photo"));
  EXPECT_EQ(form.filled, 3);  // name, id_card, gender
  EXPECT_EQ(form.total, 7);
  EXPECT_DOUBLE_EQ(form.sharingRate, 0.429);
  ASSERT_THAT(got.fields, SizeIs(6));
  EXPECT_EQ(fieldOf(got, "person.name").value, Value::string("李**"));
  const auto record = lastRecord();
  EXPECT_EQ(std::string_view(record["purpose"]), "retirement");
  // The form and its size as asked, for the sharing report, before the fields.
  EXPECT_EQ(std::string_view(record["form"]), "retirement");
  EXPECT_EQ(std::int64_t(record["form_total"]), 7);
  EXPECT_THAT(recordText_, HasSubstr(R"("form":"retirement","form_total":7,"fields":{)"));
}

TEST_F(DataRequestServiceTest, PrefillCountsEveryFilledEntry) {
  tax_->answer(sqlOf("tax.income"), {Value::string(kSubject)},
               Row{{"annual"}, {Value::string("120000")}});
  const auto got = answer(prefill("retirement"));
  ASSERT_TRUE(got.form.has_value());
  EXPECT_THAT(got.form->toSupply,
              ElementsAre("person.nickname", "person.health.note", "applicant.photo"));
  EXPECT_EQ(got.form->filled, 4);
  EXPECT_DOUBLE_EQ(got.form->sharingRate, 0.571);
}

TEST_F(DataRequestServiceTest, APurposeTheClientLacksIsRefusedAndAuditedAsRefused) {
  const auto error = refusal(serve(call(Kind::Resolve, {"person.name", "tax.annual"}, "tourism")));
  EXPECT_EQ(error.code(), ErrorCode::Forbidden);
  EXPECT_THAT(error.message(), HasSubstr("tourism"));
  EXPECT_THAT(hr_->queries(), IsEmpty());
  const auto record = lastRecord();
  EXPECT_EQ(std::int64_t(record["status"]), 403);
  EXPECT_EQ(std::string_view(record["client"]), "retirement-app");
  EXPECT_EQ(std::string_view(record["purpose"]), "tourism");
  EXPECT_EQ(std::string_view(record["fields"]["person.name"]), "refused");
  EXPECT_EQ(std::string_view(record["fields"]["tax.annual"]), "refused");
  EXPECT_EQ(simdjson::dom::array(record["datasets"]).size(), 0U);
}

TEST_F(DataRequestServiceTest, AMissingCaseNumberIsRefusedWhereTheGrantRequiresOne) {
  const auto error = refusal(serve(call(Kind::Resolve, {"person.name"}, "retirement", "")));
  EXPECT_EQ(error.code(), ErrorCode::Forbidden);
  EXPECT_THAT(error.message(), HasSubstr("case"));
  EXPECT_THAT(hr_->queries(), IsEmpty());
  const auto record = lastRecord();
  EXPECT_EQ(std::int64_t(record["status"]), 403);
  EXPECT_EQ(std::string_view(record["fields"]["person.name"]), "refused");

  // The statistics grant requires none.
  const auto got = answer(call(Kind::Resolve, {"person.name"}, "statistics", ""));
  EXPECT_EQ(fieldOf(got, "person.name").status, FieldStatus::Ok);
}

TEST_F(DataRequestServiceTest, AnUnknownFormIsNotFound) {
  const auto error = refusal(serve(prefill("pension")));
  EXPECT_EQ(error.code(), ErrorCode::NotFound);
  EXPECT_THAT(error.message(), HasSubstr("pension"));
}

TEST_F(DataRequestServiceTest, AFormAboutAnotherSubjectTypeIsABadRequest) {
  auto request = prefill("retirement");
  request->request.subjectType = "company";
  request->request.subjectKeys = {{"uscc", kCompany}};
  const auto error = refusal(serve(request));
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);
  EXPECT_THAT(error.message(), HasSubstr("company"));
  EXPECT_THAT(hr_->queries(), IsEmpty());
}

TEST_F(DataRequestServiceTest, AnInvalidSubjectKeyIsABadRequest) {
  auto request = resolve({"person.name"});
  request->request.subjectKeys = {{"id_card", "12345"}};
  auto error = refusal(serve(request));
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);
  EXPECT_THAT(error.message(), HasSubstr("subject.id_card"));
  EXPECT_THAT(error.message(), ::testing::Not(HasSubstr("12345")));

  request = resolve({"person.name"});
  request->request.subjectKeys = {{"passport", "E1234567"}};
  error = refusal(serve(request));
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);

  request = resolve({"person.name"});
  request->request.subjectType = "planet";
  error = refusal(serve(request));
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);
  EXPECT_THAT(hr_->queries(), IsEmpty());
}

TEST_F(DataRequestServiceTest, MoreFieldsThanTheLimitIsABadRequest) {
  std::vector<std::string> fields(9, "person.name");
  const auto error = refusal(serve(resolve(fields)));
  EXPECT_EQ(error.code(), ErrorCode::BadRequest);
  EXPECT_THAT(error.message(), HasSubstr("max_fields is 8"));
  EXPECT_THAT(hr_->queries(), IsEmpty());
  fields.pop_back();
  EXPECT_EQ(answer(resolve(fields)).fields.size(), 1U);
}

TEST_F(DataRequestServiceTest, ARequestUnderAConfidentialPolicyCarriesItsLatestDiscloseAfter) {
  answer(call(Kind::Resolve, {"person.name"}, "statistics", ""));
  const auto record = lastRecord();
  EXPECT_EQ(std::string_view(record["purpose"]), "statistics");
  EXPECT_EQ(std::string_view(record["disclose_after"]), "2031-06-30");
  EXPECT_EQ(std::string_view(record["department"]), "Organisation Department");
}

TEST_F(DataRequestServiceTest, AnUnauthenticatedRefusalIsAuditedWithoutAClient) {
  auto request = resolve({"person.name"});
  request->client = nullptr;
  std::promise<Outcome> promise;
  service_.refuse(request, Error(ErrorCode::Unauthenticated, "unknown API key"),
                  [&promise](Outcome outcome) { promise.set_value(std::move(outcome)); });
  auto future = promise.get_future();
  const auto error = refusal(await(future));
  EXPECT_EQ(error.code(), ErrorCode::Unauthenticated);
  const auto record = lastRecord();
  EXPECT_EQ(std::int64_t(record["status"]), 401);
  EXPECT_TRUE(record["client"].is_null());
  EXPECT_TRUE(record["department"].is_null());
  // Fields are recorded as refused only for a forbidden request.
  EXPECT_EQ(simdjson::dom::object(record["fields"]).size(), 0U);
}

TEST_F(DataRequestServiceTest, AStrictAuditHoldsTheAnswerUntilTheRecordIsWritten) {
  audit_.setMode(CapturingAuditLog::Mode::Strict);
  auto future = start(resolve({"person.work_start"}));
  ASSERT_TRUE(audit_.waitForRecords(1));
  drainLoop();
  EXPECT_EQ(future.wait_for(0s), std::future_status::timeout);
  audit_.complete(true);
  const auto outcome = await(future);
  ASSERT_TRUE(std::holds_alternative<DataAnswer>(outcome));
  EXPECT_EQ(std::get<DataAnswer>(outcome).fields.at(0).value, Value::string("1970-07-01"));
}

TEST_F(DataRequestServiceTest, AnAuditThatCannotWriteIsOverloadedAndServesNoData) {
  audit_.setMode(CapturingAuditLog::Mode::Failing);
  const auto error = refusal(serve(resolve({"person.work_start", "person.name"})));
  EXPECT_EQ(error.code(), ErrorCode::Overloaded);
  EXPECT_THAT(error.message(), HasSubstr("audit"));

  // Strict, with the write failing later on the writer's thread.
  audit_.setMode(CapturingAuditLog::Mode::Strict);
  auto future = start(resolve({"person.work_start"}));
  ASSERT_TRUE(audit_.waitForRecords(2));
  audit_.complete(false);
  EXPECT_EQ(refusal(await(future)).code(), ErrorCode::Overloaded);
}

TEST_F(DataRequestServiceTest, TheAuditRecordNamesWhoAskedWhatAndWhereEachDatasetCameFrom) {
  auto request = resolve({"person.work_start", "person.health.note", "tax.annual"});
  request->traceId = "trace-9";
  answer(request);
  auto record = lastRecord();
  EXPECT_EQ(std::string_view(record["request_id"]), "req-1");
  EXPECT_EQ(std::string_view(record["trace_id"]), "trace-9");
  EXPECT_EQ(std::string_view(record["route"]), "/v1/resolve");
  EXPECT_EQ(std::int64_t(record["status"]), 200);
  EXPECT_EQ(std::string_view(record["client"]), "retirement-app");
  EXPECT_EQ(std::string_view(record["purpose"]), "retirement");
  EXPECT_EQ(std::string_view(record["case"]), "C-1");
  EXPECT_EQ(std::string_view(record["subject"]["type"]), "person");
  EXPECT_EQ(std::string_view(record["fields"]["person.work_start"]), "ok");
  EXPECT_EQ(std::string_view(record["fields"]["person.health.note"]), "denied");
  EXPECT_EQ(std::string_view(record["fields"]["tax.annual"]), "not_found");
  auto datasets = simdjson::dom::array(record["datasets"]);
  ASSERT_EQ(datasets.size(), 2U);
  std::map<std::string, std::pair<std::string, std::string>> seen;
  for (auto dataset : datasets) {
    seen[std::string(std::string_view(dataset["id"]))] = {
        std::string(std::string_view(dataset["from"])),
        std::string(std::string_view(dataset["outcome"]))};
    EXPECT_FALSE(std::string_view(dataset["source"]).empty());
  }
  EXPECT_EQ(seen["hr.employee"], std::make_pair(std::string("source"), std::string("found")));
  // A row from the source carries how long the source took; a resolve names no form.
  for (auto dataset : datasets) {
    double ms = -1;
    EXPECT_FALSE(dataset["ms"].get_double().get(ms));
    EXPECT_GE(ms, 0.0);
  }
  EXPECT_TRUE(record["form"].error() == simdjson::NO_SUCH_FIELD);
  // The client's department right after the client; no policy for retirement is confidential.
  EXPECT_THAT(recordText_,
              HasSubstr(R"("client":"retirement-app","department":"Organisation Department",)"));
  EXPECT_TRUE(record["disclose_after"].error() == simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(seen["tax.income"], std::make_pair(std::string("source"), std::string("not_found")));

  // The same request again is served from the cache, and the record says so.
  const auto again = answer(resolve({"person.work_start", "person.health.note", "tax.annual"}));
  EXPECT_TRUE(fieldOf(again, "person.work_start").cached);
  record = lastRecord();
  for (auto dataset : simdjson::dom::array(record["datasets"])) {
    EXPECT_EQ(std::string_view(dataset["from"]), "cache");
    EXPECT_TRUE(dataset["ms"].error() == simdjson::NO_SUCH_FIELD);
  }
  EXPECT_THAT(hr_->queries(), SizeIs(1));
}

}  // namespace
}  // namespace oncegate
