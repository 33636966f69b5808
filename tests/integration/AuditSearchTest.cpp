// One record of every access, end to end: two gateway instances (their own audit paths and
// instance names) ship their trails to one PostgreSQL database; the auditor finds one citizen's
// accesses made through both (admin API and oncegatectl), the citizen portal lists them without
// values, and a case under a confidential policy stays hidden from the portal until its date.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kZhang = "330102196001010011";
const std::string kAppKey = "audit-e2e-app-key-0001";
const std::string kPortalKey = "audit-e2e-portal-key-02";
const std::string kAuditor = "audit-e2e-auditor-token-03";

std::string utcDate(std::chrono::system_clock::time_point at) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(at)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

class AuditSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-auditsearch-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;

    const auto people = (directory_ / "people.db").string();
    runSqliteSql(people,
                 "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT, phone TEXT); "
                 "INSERT INTO person VALUES ('" +
                     kZhang + "', '张三丰', '13800138000');");
    files_["config.yaml"] =
        "sources:\n"
        "  - { id: hr, department: Human Resources Bureau, odbc: \"Driver=SQLite3;Database=" +
        people +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: hr.person, source: hr, subject: person, query: \"SELECT name, phone FROM "
        "person WHERE id_card = :id\", params: { id: subject.id_card } }\n"
        "fields:\n"
        "  - { id: person.name, dataset: hr.person, column: name }\n"
        "  - { id: person.phone, dataset: hr.person, column: phone }\n"
        "clients:\n"
        "  - { id: retirement-app, department: Organisation Department, api_key_sha256: " +
        sha256sum(kAppKey) +
        ", purposes: [retirement, investigation] }\n"
        "  - { id: citizen-portal, department: Government Service Office, api_key_sha256: " +
        sha256sum(kPortalKey) +
        ", purposes: [citizen], can_list_accesses: true }\n"
        "policies:\n"
        "  - { id: retirement, clients: [retirement-app], purposes: [retirement], allow: "
        "[\"person.*\"] }\n"
        "  - { id: investigation, clients: [retirement-app], purposes: [investigation], allow: "
        "[\"person.*\"], confidential: true, disclose_after: " +
        utcDate(std::chrono::system_clock::now() + std::chrono::hours(24 * 30)) + " }\n";
    hashKey_ = randomHex(40);
    a_ = start("gw-a", "audit/a.jsonl");
    b_ = start("gw-b", "audit/b.jsonl");
  }

  void TearDown() override {
    a_.reset();
    b_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  std::unique_ptr<GatewayProcess> start(const std::string& instance, const std::string& path) {
    files_["gateway.yaml"] = "listen: 127.0.0.1:1\nthreads: 2\nhash_key: " + hashKey_ +
                             "\naudit: { path: " + path + ", store: \"" + store_ +
                             "\", instance: " + instance +
                             " }\n"
                             "admin:\n  tokens:\n    - { name: aud-zhao, role: auditor, "
                             "token_sha256: " +
                             sha256sum(kAuditor) +
                             " }\n"
                             "include: [config.yaml]\n";
    return std::make_unique<GatewayProcess>(files_);
  }

  static int resolve(const GatewayProcess& gateway, const std::string& purpose,
                     const std::string& caseNumber) {
    return HttpClient(gateway.port())
        .post("/v1/resolve",
              R"({"purpose":")" + purpose + R"(","case":")" + caseNumber +
                  R"(","subject":{"type":"person","id_card":")" + kZhang +
                  R"("},"fields":["person.name","person.phone"]})",
              kAppKey)
        .status;
  }

  // The data accesses of retirement-app in the store, once both instances shipped `count`.
  bool shipped(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto rows = postgresQueryIn(
          "SELECT COUNT(*) FROM oncegate_audit_records WHERE client = 'retirement-app'");
      if (rows == std::to_string(count)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // psql on this test's database (postgresQuery runs on the shared one): through the auditor's
  // API would also do, but the wait must not depend on what it tests.
  std::string postgresQueryIn(const std::string& sql) const {
    const std::string bin = std::getenv("ONCEGATE_TEST_PG_BIN");
    const std::string port = std::getenv("ONCEGATE_TEST_PG_PORT");
    return commandOutput(bin + "/psql -h 127.0.0.1 -p " + port + " -U postgres -d " +
                         database_.name() + " -At -c \"" + sql + "\" 2>/dev/null | tr -d '\\n'");
  }

  std::filesystem::path directory_;
  PostgresTestDatabase database_{"oncegate_auditsearch_it"};
  std::string store_ = database_.odbc();
  std::string hashKey_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> a_;
  std::unique_ptr<GatewayProcess> b_;
};

TEST_F(AuditSearchTest, OneCitizensAccessesThroughBothInstancesAreFoundByAuditorAndPortal) {
  ASSERT_EQ(resolve(*a_, "retirement", "LS-2026-000123"), 200);
  ASSERT_EQ(resolve(*b_, "retirement", "LS-2026-000124"), 200);
  ASSERT_EQ(resolve(*b_, "investigation", "JC-2026-7"), 200);
  ASSERT_TRUE(shipped(3)) << "the instances did not ship their records to the store";

  // The auditor, through either instance, sees all three, the confidential one included.
  for (const auto* gateway : {a_.get(), b_.get()}) {
    const auto found =
        HttpClient(gateway->port()).get("/admin/v1/audit?subject=" + kZhang, kAuditor);
    ASSERT_EQ(found.status, 200) << found.body;
    const TestJson json(found.body);
    std::set<std::string> instances;
    std::set<std::string> cases;
    for (const auto record : simdjson::dom::array(json.root()["records"])) {
      std::string_view route;
      if (record["record"]["route"].get(route) || route == "/v1/accesses") continue;
      instances.insert(std::string(std::string_view(record["instance"])));
      cases.insert(std::string(std::string_view(record["record"]["case"])));
    }
    EXPECT_EQ(instances, (std::set<std::string>{"gw-a", "gw-b"}));
    EXPECT_EQ(cases, (std::set<std::string>{"LS-2026-000123", "LS-2026-000124", "JC-2026-7"}));
  }

  // And from the shell.
  const auto ctl =
      (std::filesystem::path(ONCEGATE_BINARY_DIR) / "gateway" / "oncegatectl").string();
  const auto csv = commandOutput(ctl + " audit search --config " + a_->directory().string() +
                                 " --subject " + kZhang + " --client retirement-app --format csv");
  EXPECT_THAT(csv, HasSubstr(",gw-a,"));
  EXPECT_THAT(csv, HasSubstr(",gw-b,"));
  EXPECT_THAT(csv, HasSubstr(",JC-2026-7,"));

  // The portal: both instances' accesses, no value, and not the investigation yet.
  const auto now = std::chrono::system_clock::now();
  const auto listed = HttpClient(a_->port())
                          .post("/v1/accesses",
                                R"({"subject":{"type":"person","id_card":")" + kZhang +
                                    R"("},"from":")" + utcDate(now - std::chrono::hours(24)) +
                                    R"(","to":")" + utcDate(now + std::chrono::hours(24)) + R"("})",
                                kPortalKey);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const TestJson accesses(listed.body);
  ASSERT_EQ(simdjson::dom::array(accesses.root()["accesses"]).size(), 2U) << listed.body;
  EXPECT_EQ(accesses.at("/accesses/0/department"), "Organisation Department");
  EXPECT_EQ(accesses.at("/accesses/0/fields/person.name"), "ok");
  EXPECT_THAT(listed.body, HasSubstr("LS-2026-000123"));
  EXPECT_THAT(listed.body, HasSubstr("LS-2026-000124"));
  EXPECT_THAT(listed.body, Not(HasSubstr("JC-2026-7")));
  EXPECT_THAT(listed.body, Not(HasSubstr("张三丰")));
  EXPECT_THAT(listed.body, Not(HasSubstr("13800138000")));
}

TEST_F(AuditSearchTest, AConfidentialCaseShowsToThePortalFromItsDisclosureDate) {
  ASSERT_EQ(resolve(*b_, "investigation", "JC-2026-8"), 200);
  ASSERT_TRUE(shipped(1));
  const auto ask = [this] {
    const auto now = std::chrono::system_clock::now();
    return HttpClient(a_->port())
        .post("/v1/accesses",
              R"({"subject":{"type":"person","id_card":")" + kZhang + R"("},"from":")" +
                  utcDate(now - std::chrono::hours(24)) + R"(","to":")" +
                  utcDate(now + std::chrono::hours(24)) + R"("})",
              kPortalKey)
        .body;
  };
  EXPECT_THAT(ask(), Not(HasSubstr("JC-2026-8")));
  // Its date reached: the record carries the date it was made with, so the store is moved to
  // today as the passing of time would (the policy's date is not read again).
  const auto today = utcDate(std::chrono::system_clock::now());
  postgresQueryIn("UPDATE oncegate_audit_records SET disclose_after = '" + today +
                  "' WHERE case_number = 'JC-2026-8'");
  EXPECT_THAT(ask(), HasSubstr("JC-2026-8"));
}

}  // namespace
}  // namespace oncegate::testing
