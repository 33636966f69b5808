// The auditors' search and the citizen's view over the central audit record, on the real
// gateway and oncegatectl with a real PostgreSQL: a "data" gateway answers the departments'
// requests (its trail put into the store as the shipper writes it, TrailShipping.h), a "view"
// gateway with audit.store answers the auditor (GET /admin/v1/audit) and the citizen portal
// (POST /v1/accesses), and oncegatectl audit search reads the same store.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"
#include "TrailShipping.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kZhang = "330102196001010011";
const std::string kLi = "330102197002020022";
const std::string kAppKey = "access-it-app-key-0001";
const std::string kPortalKey = "access-it-portal-key-02";
const std::string kOtherKey = "access-it-other-key-003";
const std::string kAuditor = "access-it-auditor-token-04";

std::string utcDate(std::chrono::system_clock::time_point at) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(at)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string subjectJson(const std::string& id) {
  return R"({"type":"person","id_card":")" + id + R"("})";
}

class AccessListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-accesses-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    hashKey_ = randomHex(40);
    {
      odbc::OdbcClient client(store_, "audit store (test)");
      createAuditStoreSchema(client);
    }

    const auto people = (directory_ / "people.db").string();
    runSqliteSql(people,
                 "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT, phone TEXT); "
                 "INSERT INTO person VALUES ('" +
                     kZhang + "', '张三丰', '13800138000'), ('" + kLi +
                     "', '李四光', '13900139000');");
    ConfigFiles files;
    files["config.yaml"] =
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
        ", purposes: [retirement, investigation, inspection] }\n"
        "  - { id: other-app, department: Tax Bureau, api_key_sha256: " +
        sha256sum(kOtherKey) +
        ", purposes: [tax] }\n"
        "policies:\n"
        "  - { id: retirement, clients: [retirement-app], purposes: [retirement], allow: "
        "[\"person.*\"] }\n"
        "  - { id: investigation, clients: [retirement-app], purposes: [investigation], allow: "
        "[\"person.*\"], confidential: true, disclose_after: 2099-12-31 }\n"
        "  - { id: inspection, clients: [retirement-app], purposes: [inspection], allow: "
        "[\"person.*\"], confidential: true, disclose_after: 2020-01-01 }\n";
    files["portal.yaml"] =
        "clients:\n"
        "  - { id: citizen-portal, department: Government Service Office, api_key_sha256: " +
        sha256sum(kPortalKey) + ", purposes: [citizen], can_list_accesses: true }\n";
    const std::string common = "listen: 127.0.0.1:1\nthreads: 2\nhash_key: " + hashKey_ + "\n";
    const std::string auditor =
        "admin:\n  tokens:\n    - { name: aud-zhao, role: auditor, "
        "token_sha256: " +
        sha256sum(kAuditor) + " }\n";
    files["gateway.yaml"] = common + auditor +
                            "audit: { path: audit/data.jsonl, durability: strict }\n"
                            "include: [config.yaml]\n";
    data_ = std::make_unique<GatewayProcess>(files);
    files["gateway.yaml"] = common + auditor + "audit: { path: audit/view.jsonl, store: \"" +
                            store_ + "\" }\ninclude: [config.yaml, portal.yaml]\n";
    view_ = std::make_unique<GatewayProcess>(files);
  }

  void TearDown() override {
    view_.reset();
    data_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  HttpResult resolve(const std::string& purpose, const std::string& subject,
                     const std::string& caseNumber) {
    return HttpClient(data_->port())
        .post("/v1/resolve",
              R"({"purpose":")" + purpose + R"(","case":")" + caseNumber + R"(","subject":)" +
                  subjectJson(subject) + R"(,"fields":["person.name","person.phone"]})",
              kAppKey);
  }

  // Five accesses: three to 张三丰 that the citizen may see (retirement resolve and verify, an
  // inspection whose disclosure date has passed), one under an investigation still
  // confidential, one to 李四光. Then the data gateway's trail goes to the store.
  void makeAccesses() {
    ASSERT_EQ(resolve("retirement", kZhang, "LS-2026-000123").status, 200);
    ASSERT_EQ(HttpClient(data_->port())
                  .post("/v1/verify",
                        R"({"purpose":"retirement","case":"LS-2026-000123","subject":)" +
                            subjectJson(kZhang) + R"(,"claims":{"person.name":"张三丰"}})",
                        kAppKey)
                  .status,
              200);
    ASSERT_EQ(resolve("investigation", kZhang, "JC-2026-7").status, 200);
    ASSERT_EQ(resolve("inspection", kZhang, "XC-2026-1").status, 200);
    ASSERT_EQ(resolve("retirement", kLi, "LS-2026-000456").status, 200);
    EXPECT_EQ(shipTrail(data_->directory() / "audit" / "data.jsonl", "gw-data", store_, hashKey_),
              5U);
  }

  HttpResult accesses(const std::string& key, const std::string& subject, const std::string& from,
                      const std::string& to) {
    return HttpClient(view_->port())
        .post("/v1/accesses",
              R"({"subject":)" + subjectJson(subject) + R"(,"from":")" + from + R"(","to":")" + to +
                  R"("})",
              key);
  }

  std::filesystem::path directory_;
  PostgresTestDatabase database_{"oncegate_accesses_it"};
  std::string store_ = database_.odbc();
  std::string hashKey_;
  std::unique_ptr<GatewayProcess> data_;
  std::unique_ptr<GatewayProcess> view_;
};

TEST_F(AccessListingTest, EveryDataRecordNamesTheDepartmentAndAConfidentialOneItsDate) {
  makeAccesses();
  std::ifstream in(data_->directory() / "audit" / "data.jsonl");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_THAT(lines[0], HasSubstr(R"("client":"retirement-app","department":"Organisation )"
                                  R"(Department","purpose":"retirement")"));
  EXPECT_THAT(lines[2], HasSubstr(R"("department":"Organisation Department","disclose_after":)"
                                  R"("2099-12-31","purpose":"investigation")"));
  EXPECT_THAT(lines[3], HasSubstr(R"("disclose_after":"2020-01-01","purpose":"inspection")"));
}

TEST_F(AccessListingTest, TheAuditorFindsASubjectsAccessesAcrossTheStoreConfidentialOnesToo) {
  makeAccesses();
  const HttpClient admin(view_->port());
  const auto found = admin.get("/admin/v1/audit?subject=" + kZhang, kAuditor);
  ASSERT_EQ(found.status, 200) << found.body;
  const TestJson json(found.body);
  ASSERT_EQ(simdjson::dom::array(json.root()["records"]).size(), 4U) << found.body;
  EXPECT_EQ(json.at("/next"), "null");
  EXPECT_EQ(json.at("/records/0/instance"), "gw-data");
  EXPECT_EQ(json.at("/records/0/seq"), "1");
  EXPECT_EQ(json.at("/records/0/record/subject/id_card"), kZhang);
  EXPECT_EQ(json.at("/records/2/record/purpose"), "investigation");  // auditors see everything
  EXPECT_EQ(json.at("/records/2/record/disclose_after"), "2099-12-31");

  const auto byCase = TestJson(admin.get("/admin/v1/audit?case=LS-2026-000123", kAuditor).body);
  EXPECT_EQ(simdjson::dom::array(byCase.root()["records"]).size(), 2U);
  const auto verified =
      TestJson(admin
                   .get("/admin/v1/audit?field=person.name&outcome=ok&purpose=retirement&"
                        "department=Organisation%20Department&client=retirement-app",
                        kAuditor)
                   .body);
  EXPECT_EQ(simdjson::dom::array(verified.root()["records"]).size(), 3U);

  // Page by page: two, then the rest (of the data gateway's client: with a shipper, the view
  // gateway's own records join the store too).
  const auto first =
      TestJson(admin.get("/admin/v1/audit?limit=2&client=retirement-app", kAuditor).body);
  ASSERT_EQ(simdjson::dom::array(first.root()["records"]).size(), 2U);
  const auto cursor = first.at("/next");
  ASSERT_NE(cursor, "null");
  const auto rest = TestJson(
      admin.get("/admin/v1/audit?limit=100&client=retirement-app&cursor=" + cursor, kAuditor).body);
  EXPECT_EQ(simdjson::dom::array(rest.root()["records"]).size(), 3U);
  EXPECT_EQ(rest.at("/next"), "null");
  EXPECT_EQ(rest.at("/records/0/seq"), "3");

  const auto csv = admin.get("/admin/v1/audit?case=LS-2026-000123&format=csv", kAuditor);
  ASSERT_EQ(csv.status, 200);
  EXPECT_THAT(csv.headers.at("content-type"), HasSubstr("text/csv"));
  EXPECT_THAT(csv.body, HasSubstr("time,instance,seq,request_id,route,status,client,department,"
                                  "purpose,case,subject_type,fields\r\n"));
  EXPECT_THAT(csv.body, HasSubstr(",gw-data,1,"));
  EXPECT_THAT(csv.body, HasSubstr(",/v1/verify,200,retirement-app,Organisation Department,"
                                  "retirement,LS-2026-000123,person,person.name=ok\r\n"));
  const auto lines = admin.get("/admin/v1/audit?subject=" + kLi + "&format=jsonl", kAuditor);
  ASSERT_EQ(lines.status, 200);
  EXPECT_THAT(lines.headers.at("content-type"), HasSubstr("application/x-ndjson"));
  EXPECT_EQ(std::count(lines.body.begin(), lines.body.end(), '\n'), 1);

  EXPECT_EQ(admin.get("/admin/v1/audit?subject=not-an-id", kAuditor).status, 400);
  EXPECT_EQ(admin.get("/admin/v1/audit?cursor=bogus", kAuditor).status, 400);
  EXPECT_EQ(admin.get("/admin/v1/audit?format=xml", kAuditor).status, 400);
}

TEST_F(AccessListingTest, WithoutAStoreTheAuditQueryReadsTheLocalFileWithItsOwnFilters) {
  makeAccesses();
  const HttpClient admin(data_->port());
  const auto local = admin.get("/admin/v1/audit?client=retirement-app&limit=3", kAuditor);
  ASSERT_EQ(local.status, 200) << local.body;
  const TestJson json(local.body);
  EXPECT_EQ(simdjson::dom::array(json.root()["records"]).size(), 3U);
  EXPECT_EQ(json.at("/records/0/case"), "LS-2026-000456");  // newest first, the lines themselves
  EXPECT_NE(json.at("/scan"), "<missing>");
  const auto storeOnly = admin.get("/admin/v1/audit?subject=" + kZhang, kAuditor);
  EXPECT_EQ(storeOnly.status, 400);
  EXPECT_THAT(storeOnly.body, HasSubstr("subject searches the central audit record, and this "
                                        "gateway has no audit.store"));
}

TEST_F(AccessListingTest, OncegatectlSearchesTheSameStoreFromTheShell) {
  makeAccesses();
  const auto ctl =
      (std::filesystem::path(ONCEGATE_BINARY_DIR) / "gateway" / "oncegatectl").string();
  const auto config = view_->directory().string();
  const auto jsonl = commandOutput(ctl + " audit search --config " + config + " --subject " +
                                   kZhang + " --format jsonl");
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 4) << jsonl;
  EXPECT_THAT(jsonl, HasSubstr(R"("instance":"gw-data","seq":1,"record":{)"));
  const auto csv = commandOutput(ctl + " audit search --config " + config +
                                 " --purpose investigation --format csv");
  EXPECT_THAT(csv, HasSubstr("time,instance,seq,"));
  EXPECT_THAT(csv, HasSubstr(",investigation,JC-2026-7,person,person.name=ok;person.phone=ok"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 2);
  // Every page: one record a page still lists them all.
  const auto paged = commandOutput(ctl + " audit search --config " + config +
                                   " --client retirement-app --limit 1");
  EXPECT_EQ(std::count(paged.begin(), paged.end(), '\n'), 5) << paged;
}

TEST_F(AccessListingTest, ThePortalSeesWhoLookedWithoutValuesAndNotWhatIsStillConfidential) {
  makeAccesses();
  const auto now = std::chrono::system_clock::now();
  const auto yesterday = utcDate(now - std::chrono::hours(24));
  const auto tomorrow = utcDate(now + std::chrono::hours(24));
  const auto listed = accesses(kPortalKey, kZhang, yesterday, tomorrow);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const TestJson json(listed.body);
  ASSERT_EQ(simdjson::dom::array(json.root()["accesses"]).size(), 3U) << listed.body;
  EXPECT_EQ(json.at("/truncated"), "false");
  EXPECT_EQ(json.at("/accesses/0/department"), "Organisation Department");
  EXPECT_EQ(json.at("/accesses/0/client"), "retirement-app");
  EXPECT_EQ(json.at("/accesses/0/purpose"), "retirement");
  EXPECT_EQ(json.at("/accesses/0/case"), "LS-2026-000123");
  EXPECT_EQ(json.at("/accesses/0/fields/person.name"), "ok");
  EXPECT_EQ(json.at("/accesses/0/fields/person.phone"), "ok");
  EXPECT_EQ(json.at("/accesses/1/fields/person.name"), "ok");  // the verify
  // The inspection's date has passed: shown. The investigation's has not: hidden.
  EXPECT_EQ(json.at("/accesses/2/purpose"), "inspection");
  EXPECT_THAT(listed.body, Not(HasSubstr("investigation")));
  EXPECT_THAT(listed.body, Not(HasSubstr("JC-2026-7")));
  // Never a value, never the subject's number.
  EXPECT_THAT(listed.body, Not(HasSubstr("张三丰")));
  EXPECT_THAT(listed.body, Not(HasSubstr("13800138000")));
  EXPECT_THAT(listed.body, Not(HasSubstr(kZhang)));

  // A period that ended before the accesses lists none.
  const auto before = accesses(kPortalKey, kZhang, "2025-01-01", "2025-12-31");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(simdjson::dom::array(TestJson(before.body).root()["accesses"]).size(), 0U);

  // The call itself is audited with the subject as validated.
  std::ifstream in(view_->directory() / "audit" / "view.jsonl");
  std::string trail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(trail, HasSubstr(R"("route":"/v1/accesses","status":200,"client":"citizen-portal",)"
                               R"("department":"Government Service Office")"));
  EXPECT_THAT(trail, HasSubstr(R"("subject":{"type":"person","id_card":")" + kZhang + "\"}"));
}

TEST_F(AccessListingTest, OnlyAClientAllowedToListAccessesMay) {
  const auto now = std::chrono::system_clock::now();
  const auto today = utcDate(now);
  const auto refused = accesses(kAppKey, kZhang, today, today);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("can_list_accesses"));
  EXPECT_EQ(accesses("wrong-key", kZhang, today, today).status, 401);
  // Refusals are audited as every /v1 refusal is.
  std::ifstream in(view_->directory() / "audit" / "view.jsonl");
  std::string trail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(trail, HasSubstr(R"("route":"/v1/accesses","status":403,"client":"retirement-app")"));
}

TEST_F(AccessListingTest, APeriodMustBeOrderedAndAtMostFiveYears) {
  const HttpClient portal(view_->port());
  EXPECT_EQ(accesses(kPortalKey, kZhang, "2026-12-31", "2026-01-01").status, 400);
  const auto tooLong = accesses(kPortalKey, kZhang, "2020-01-01", "2025-01-02");
  EXPECT_EQ(tooLong.status, 400);
  EXPECT_THAT(tooLong.body, HasSubstr("longer than 5 years"));
  EXPECT_EQ(accesses(kPortalKey, kZhang, "2020-01-01", "2025-01-01").status, 200);
  EXPECT_EQ(accesses(kPortalKey, kZhang, "yesterday", "2025-01-01").status, 400);
  EXPECT_EQ(accesses(kPortalKey, "123", "2025-01-01", "2025-01-02").status, 400);
  EXPECT_EQ(
      portal.post("/v1/accesses", R"({"subject":)" + subjectJson(kZhang) + "}", kPortalKey).status,
      400);
}

}  // namespace
}  // namespace oncegate::testing
