// 一数一源 end to end: three departments hold a person's name (one PostgreSQL source, the
// authoritative one, and two SQLite ones), with agreements, a disagreement, a missing row and a
// NULL. The real gateway serves some requests first, so that its audit record (shipped to the
// central store on PostgreSQL) names recent subjects; then an auditor runs the check through the
// admin API and an operator through oncegatectl, both on the trail and on the store. The numbers
// are exact, and no ID or value appears in an answer or the gateway's logs but masked.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "OncegatectlRun.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kAppKey = "consistency-it-app-key-01";
const std::string kAuditor = "consistency-it-auditor-02";
const std::string kDba = "consistency-it-dba-token-03";
const std::string kHashKey = "consistency-it-hash-key-0123456789abcdef";

// Asked about, agreeing everywhere (the register pads the name with a blank).
const std::string kAgrees = "330106198001010012";
// Asked about; the register has another name.
const std::string kOtherName = "330106199902020023";
// Asked about; the tax bureau has no row, the register another birth date.
const std::string kNoTaxRow = "330106198506050034";
// Asked about; the register's name is NULL.
const std::string kNullName = "330106197001010045";
// Never asked about: not in the sample, however different.
const std::string kNeverAsked = "330106196001010056";

const char* const kNames[] = {"张建国", "李秀英", "王伍", "王五", "赵六", "钱七", "孙八"};

class ConsistencyReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-consistency-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    runPostgresSql(
        "DROP TABLE IF EXISTS it_consistency_person;"
        "CREATE TABLE it_consistency_person (id_card text PRIMARY KEY, name text, birth date);"
        "INSERT INTO it_consistency_person VALUES ('" +
        kAgrees +
        "', '张建国', '1980-01-01'),"
        "('" +
        kOtherName + "', '王五', '1999-02-02'), ('" + kNoTaxRow +
        "', '赵六', "
        "'1985-06-05'), ('" +
        kNullName + "', '钱七', '1970-01-01'), ('" + kNeverAsked + "', '孙八', '1960-01-01');");
    const auto registry = (directory_ / "registry.db").string();
    runSqliteSql(registry,
                 "CREATE TABLE household (id_card TEXT PRIMARY KEY, name TEXT, birth TEXT);"
                 "INSERT INTO household VALUES ('" +
                     kAgrees +
                     "', '张建国 ', '1980-01-01');"
                     "INSERT INTO household VALUES ('" +
                     kOtherName +
                     "', '王伍', '1999-02-02');"
                     "INSERT INTO household VALUES ('" +
                     kNoTaxRow +
                     "', '赵六', '1985-05-06');"
                     "INSERT INTO household VALUES ('" +
                     kNullName +
                     "', NULL, '1970-01-01');"
                     "INSERT INTO household VALUES ('" +
                     kNeverAsked + "', '李秀英', '1960-01-01');");
    const auto tax = (directory_ / "tax.db").string();
    runSqliteSql(tax,
                 "CREATE TABLE payer (id_card TEXT PRIMARY KEY, name TEXT);"
                 "INSERT INTO payer VALUES ('" +
                     kAgrees +
                     "', '张建国');"
                     "INSERT INTO payer VALUES ('" +
                     kOtherName +
                     "', '王五');"
                     "INSERT INTO payer VALUES ('" +
                     kNullName +
                     "', '钱七');"
                     "INSERT INTO payer VALUES ('" +
                     kNeverAsked + "', '周九');");
    files_["documents.yaml"] =
        "sources:\n"
        "  - { id: hr, department: 人力社保局, odbc: \"" +
        postgresOdbc() +
        "\", timeout: 2s }\n"
        "  - { id: registry, department: 民政局, odbc: \"Driver=SQLite3;Database=" +
        registry +
        "\" }\n"
        "  - { id: tax, department: 税务局, odbc: \"Driver=SQLite3;Database=" +
        tax +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: hr.person, source: hr, subject: person, query: \"SELECT name, birth FROM "
        "it_consistency_person WHERE id_card = :id\", params: { id: subject.id_card } }\n"
        "  - { id: reg.person, source: registry, subject: person, query: \"SELECT name, birth "
        "FROM household WHERE id_card = :id\", params: { id: subject.id_card } }\n"
        "  - { id: tax.payer, source: tax, subject: person, query: \"SELECT name FROM payer "
        "WHERE id_card = :id\", params: { id: subject.id_card } }\n"
        "fields:\n"
        "  - { id: hr.name, dataset: hr.person, column: name, indicator: { id: it.name, "
        "authoritative: true } }\n"
        "  - { id: hr.birth, dataset: hr.person, column: birth, type: date, indicator: { id: "
        "it.birth, authoritative: true } }\n"
        "  - { id: reg.name, dataset: reg.person, column: name, indicator: { id: it.name } }\n"
        "  - { id: reg.birth, dataset: reg.person, column: birth, type: date, indicator: { id: "
        "it.birth } }\n"
        "  - { id: tax.name, dataset: tax.payer, column: name, indicator: { id: it.name } }\n"
        "  - { id: reg.alias, dataset: reg.person, column: name, indicator: { id: it.alias } }\n"
        "  - { id: tax.alias, dataset: tax.payer, column: name, indicator: { id: it.alias } }\n"
        "  - { id: tax.own, dataset: tax.payer, column: name, indicator: { id: it.own, "
        "authoritative: true } }\n"
        "clients:\n"
        "  - { id: pension-app, department: 人力社保局, api_key_sha256: " +
        sha256sum(kAppKey) +
        ", purposes: [pension] }\n"
        "policies:\n"
        "  - { id: pension, clients: [pension-app], purposes: [pension], allow: [\"hr.*\"] }\n";
    files_["gateway.yaml"] = "listen: 127.0.0.1:1\nthreads: 2\nhash_key: " + kHashKey +
                             "\naudit: { path: audit/trail.jsonl, store: \"" + store_.odbc() +
                             "\", instance: gw-consistency }\n"
                             "admin:\n  tokens:\n"
                             "    - { name: aud-zhao, role: auditor, token_sha256: " +
                             sha256sum(kAuditor) +
                             " }\n"
                             "    - { name: dba-wang, role: dba, token_sha256: " +
                             sha256sum(kDba) +
                             " }\n"
                             "    - { name: reform-chen, role: reform_office, token_sha256: " +
                             sha256sum("reform-token-x") +
                             " }\n"
                             "include: [documents.yaml]\n";
    gateway_ = std::make_unique<GatewayProcess>(files_);
    client_ = std::make_unique<HttpClient>(gateway_->port());
    // The most recent first: kAgrees (asked twice), kNullName, kNoTaxRow, kOtherName.
    for (const auto& subject : {kOtherName, kAgrees, kNoTaxRow, kNullName, kAgrees}) {
      const auto answer =
          client_->post("/v1/resolve",
                        R"({"purpose":"pension","subject":{"type":"person","id_card":")" + subject +
                            R"("},"fields":["hr.name"]})",
                        kAppKey);
      ASSERT_EQ(answer.status, 200) << answer.body;
    }
  }

  void TearDown() override {
    gateway_.reset();
    runPostgresSql("DROP TABLE IF EXISTS it_consistency_person;");
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  HttpResult check(const std::string& body, const std::string& token = kAuditor) const {
    return client_->post("/admin/v1/reports/consistency", body, token);
  }

  // The data requests shipped to the central store, once there are `count`.
  bool shipped(std::size_t count) const {
    const std::string bin = std::getenv("ONCEGATE_TEST_PG_BIN");
    const std::string port = std::getenv("ONCEGATE_TEST_PG_PORT");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto rows = commandOutput(
          bin + "/psql -h 127.0.0.1 -p " + port + " -U postgres -d " + store_.name() +
          " -At -c \"SELECT COUNT(*) FROM oncegate_audit_records WHERE route = '/v1/resolve'\" "
          "2>/dev/null | tr -d '\\n'");
      if (rows == std::to_string(count)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string trail() const {
    std::ifstream in(gateway_->directory() / "audit" / "trail.jsonl");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The answer without its request_id, as oncegatectl prints it.
  static std::string withoutRequestId(const std::string& body) {
    const auto start = body.find(R"("request_id":")");
    if (start == std::string::npos) return body;
    const auto end = body.find('"', start + 14);
    return body.substr(0, start) + body.substr(end + 2);
  }

  void expectNothingInClear(const std::string& text) const {
    for (const auto& subject : {kAgrees, kOtherName, kNoTaxRow, kNullName, kNeverAsked}) {
      EXPECT_THAT(text, Not(HasSubstr(subject)));
    }
    for (const auto* name : kNames) EXPECT_THAT(text, Not(HasSubstr(name)));
    EXPECT_THAT(text, Not(HasSubstr("1985-05-06")));
    EXPECT_THAT(text, Not(HasSubstr("1985-06-05")));
  }

  std::filesystem::path directory_;
  PostgresTestDatabase store_{"it_consistency"};
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ConsistencyReportTest, ComparesEverySourceWithTheAuthoritativeOneForRecentSubjects) {
  ASSERT_TRUE(shipped(5));
  const auto answer = check(R"({"indicator":"it.name"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const TestJson report(answer.body);
  EXPECT_EQ(report.at("/indicator"), "it.name");
  EXPECT_EQ(report.at("/authoritative"),
            R"({"field":"hr.name","source":"hr","missing":0,"unavailable":0})");
  EXPECT_EQ(report.at("/subjects_sampled"), "4");
  EXPECT_EQ(report.at("/sources/0"),
            R"({"field":"reg.name","source":"registry","compared":3,"agreed":2,"disagreed":1,)"
            R"("missing":1,"unavailable":0,"agreement_rate":0.667})");
  EXPECT_EQ(report.at("/sources/1"),
            R"({"field":"tax.name","source":"tax","compared":3,"agreed":3,"disagreed":0,)"
            R"("missing":1,"unavailable":0,"agreement_rate":1})");
  EXPECT_EQ(report.at("/disagreements"), R"([{"subject":"**************0023","subject_hash":")" +
                                             subjectIndexHash(kHashKey, "person", kOtherName) +
                                             R"(","fields":["reg.name"]}])");

  // A date held as text in one department compares as a date.
  const TestJson birth(check(R"({"indicator":"it.birth","sample":1000})").body);
  EXPECT_EQ(birth.at("/sources/0/agreed"), "3");
  EXPECT_EQ(birth.at("/sources/0/disagreed"), "1");
  EXPECT_EQ(birth.at("/disagreements/0/subject"), "**************0034");

  // The two most recently asked: kAgrees and kNullName.
  const TestJson two(check(R"({"indicator":"it.name","sample":2})").body);
  EXPECT_EQ(two.at("/subjects_sampled"), "2");
  EXPECT_EQ(two.at("/sources/0/compared"), "1");
  EXPECT_EQ(two.at("/sources/0/missing"), "1");
  EXPECT_EQ(two.at("/sources/1/agreed"), "2");
  EXPECT_EQ(two.at("/disagreements"), "[]");

  // Audited with the indicator and the count, never the subjects.
  const auto records = trail();
  const auto at = records.find(R"("route":"/admin/v1/reports/consistency")");
  ASSERT_NE(at, std::string::npos);
  const auto line = records.substr(at, records.find('\n', at) - at);
  EXPECT_THAT(line, HasSubstr(R"("kind":"reports","id":"it.name")"));
  EXPECT_THAT(line, HasSubstr(R"("subjects_read":4,"status":200,"outcome":"disagreements")"));
  expectNothingInClear(line);
  expectNothingInClear(answer.body);
  expectNothingInClear(gateway_->logs());

  // oncegatectl prints the same document, from the store as configured or from the trail.
  const auto directory = gateway_->directory().string();
  const auto fromStore = runCtl({"consistency", "--config", directory, "--indicator", "it.name"});
  EXPECT_EQ(fromStore.status, 0) << fromStore.err;
  EXPECT_EQ(fromStore.out, withoutRequestId(answer.body) + "\n");
  const auto fromTrail =
      runCtl({"consistency", "--config", directory, "--indicator", "it.name", "--trail",
              (gateway_->directory() / "audit" / "trail.jsonl").string()});
  EXPECT_EQ(fromTrail.status, 0) << fromTrail.err;
  EXPECT_EQ(fromTrail.out, fromStore.out);
  expectNothingInClear(fromTrail.out + fromTrail.err);
  const auto sampled =
      runCtl({"consistency", "--config", directory, "--indicator", "it.name", "--sample", "2"});
  EXPECT_EQ(sampled.out,
            withoutRequestId(check(R"({"indicator":"it.name","sample":2})").body) + "\n");
}

TEST_F(ConsistencyReportTest, RefusesWhatCannotBeChecked) {
  const auto refused = [&](const std::string& body) {
    const auto answer = check(body);
    EXPECT_EQ(answer.status, 400) << body << " -> " << answer.body;
    return TestJson(answer.body).at("/message");
  };
  EXPECT_THAT(refused(R"({"indicator":"it.unknown"})"), HasSubstr("no field carries"));
  EXPECT_THAT(refused(R"({"indicator":"it.alias"})"), HasSubstr("no authoritative field"));
  EXPECT_THAT(refused(R"({"indicator":"it.own"})"), HasSubstr("no second source"));
  EXPECT_THAT(refused(R"({"indicator":"it.name","sample":0})"), HasSubstr("sample"));
  EXPECT_THAT(refused(R"({"indicator":"it.name","sample":1001})"), HasSubstr("sample"));
  EXPECT_THAT(refused(R"({"indicator":"it.name","subjects":["x"]})"), HasSubstr("subjects"));
  EXPECT_EQ(check(R"({"sample":5})").status, 400);
  EXPECT_EQ(check("not json").status, 400);
  // Reports are read by the reform office, auditors, security officers and admins; not DBAs.
  EXPECT_EQ(check(R"({"indicator":"it.name"})", kDba).status, 403);
  EXPECT_EQ(check(R"({"indicator":"it.name"})", "reform-token-x").status, 200);

  const auto directory = gateway_->directory().string();
  const auto unknown = runCtl({"consistency", "--config", directory, "--indicator", "it.own"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no second source"));
  EXPECT_EQ(
      runCtl({"consistency", "--config", directory, "--indicator", "it.name", "--sample", "0"})
          .status,
      2);
  EXPECT_EQ(runCtl({"consistency", "--config", directory}).status, 2);
}

}  // namespace
}  // namespace oncegate::testing
