// Forms and the catalog end to end on the real binary: a permit form filled in one call from two
// departments (SQLite and PostgreSQL), what the applicant still supplies and the sharing rate;
// the catalog and forms as one client sees them, metadata only.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kPermitKey = "forms-it-permit-key";
const std::string kTaxKey = "forms-it-tax-key";
const std::string kCompany = "91330108MA2FORM001";
const std::string kUnknownCompany = "91330108MA2NOBODY9";

class FormsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registryDb_ = "/tmp/oncegate-it-forms-" + randomHex(8) + ".db";
    runSqliteSql(registryDb_,
                 "CREATE TABLE firm (code TEXT PRIMARY KEY, name TEXT, founded TEXT, rep TEXT, "
                 "rep_phone TEXT); INSERT INTO firm VALUES ('" +
                     kCompany + "', '西溪表单科技有限公司', '2019-05-20', '王五', '13900000000');");
    runPostgresSql(
        "DROP TABLE IF EXISTS it_forms_tax;"
        "CREATE TABLE it_forms_tax (code text PRIMARY KEY, grade text, arrears numeric(12,2));"
        "INSERT INTO it_forms_tax VALUES ('" +
        kCompany + "', 'A', NULL);");
  }

  static void TearDownTestSuite() { std::remove(registryDb_.c_str()); }

  void SetUp() override {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\nhash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        registryDb_ +
        "\" }\n"
        "  - { id: tax, department: 税务局, odbc: \"" +
        postgresOdbc() +
        "\" }\n"
        "subjects:\n"
        "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - { id: registry.firm, source: registry, subject: org,\n"
        "      query: \"SELECT name, founded, rep, rep_phone FROM firm WHERE code = :c\",\n"
        "      params: { c: subject.code } }\n"
        "  - { id: tax.status, source: tax, subject: org,\n"
        "      query: \"SELECT grade, arrears FROM it_forms_tax WHERE code = :c\",\n"
        "      params: { c: subject.code } }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.firm, column: name, description: 企业名称 }\n"
        "  - { id: org.founded, dataset: registry.firm, column: founded, type: date }\n"
        "  - { id: org.rep, dataset: registry.firm, column: rep, sensitivity: personal }\n"
        "  - { id: org.rep_phone, dataset: registry.firm, column: rep_phone }\n"
        "  - { id: org.tax.grade, dataset: tax.status, column: grade, description: 纳税信用等级 }\n"
        "  - { id: org.tax.arrears, dataset: tax.status, column: arrears, type: decimal }\n"
        "  - { id: org.internal, dataset: registry.firm, column: name, sharing: none }\n"
        "forms:\n"
        "  - id: food-permit\n"
        "    title: 食品经营许可\n"
        "    purpose: permit\n"
        "    subject: org\n"
        "    fields: [org.name, org.founded, org.rep, org.rep_phone, org.tax.grade,\n"
        "             org.tax.arrears, { id: applicant.floor_plan, supplied_by: applicant }]\n"
        "  - { id: tax-refund, title: 退税, purpose: tax, subject: org, fields: [org.tax.grade] }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kPermitKey) +
        ", purposes: [permit] }\n"
        "  - { id: tax-app, api_key_sha256: " +
        sha256sum(kTaxKey) +
        ", purposes: [tax] }\n"
        "policies:\n"
        "  - { id: permit-grant, clients: [permit-app], purposes: [permit],\n"
        "      allow: [\"org.*\"], deny: [org.tax.arrears], verify_only: [org.rep_phone],\n"
        "      mask: { org.rep: show_first_1 } }\n"
        "  - { id: tax-grant, clients: [tax-app], purposes: [tax], allow: [org.tax.grade] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  HttpResult prefill(const std::string& code, const std::string& key = kPermitKey) {
    return client_->post(
        "/v1/forms/food-permit/prefill",
        R"({"case":"SP-2026-0042","subject":{"type":"org","code":")" + code + R"("}})", key);
  }

  static std::string registryDb_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

std::string FormsTest::registryDb_;

TEST_F(FormsTest, PrefillFillsWhatTheDepartmentsHoldAndListsWhatTheApplicantSupplies) {
  const auto response = prefill(kCompany);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson form(response.body);
  EXPECT_EQ(form.at("/form"), "food-permit");
  EXPECT_EQ(form.at("/fields/org.name/value"), "西溪表单科技有限公司");
  EXPECT_EQ(form.at("/fields/org.founded/value"), "2019-05-20");
  EXPECT_EQ(form.at("/fields/org.rep/value"), "王*");
  EXPECT_EQ(form.at("/fields/org.rep_phone/status"), "verify_only");
  EXPECT_EQ(form.at("/fields/org.tax.grade/value"), "A");
  EXPECT_EQ(form.at("/fields/org.tax.grade/source"), "tax");
  EXPECT_EQ(form.at("/fields/org.tax.arrears/status"), "denied");
  // The applicant fills in the entry left to them and every field that could not be given.
  EXPECT_EQ(form.at("/to_supply"), R"(["org.rep_phone","org.tax.arrears","applicant.floor_plan"])");
  EXPECT_EQ(form.at("/filled"), "4");
  EXPECT_EQ(form.at("/total"), "7");
  EXPECT_EQ(form.at("/sharing_rate"), "0.571");
  EXPECT_EQ(form.at("/request_id"), response.headers.at("x-request-id"));

  // Audited like a resolve, with the form's purpose.
  auto trail =
      commandOutput("tail -n 1 " + (gateway_->directory() / "audit" / "trail.jsonl").string());
  EXPECT_THAT(trail, HasSubstr(R"("route":"/v1/forms/food-permit/prefill")"));
  EXPECT_THAT(trail, HasSubstr(R"("purpose":"permit")"));
  EXPECT_THAT(trail, HasSubstr(R"("case":"SP-2026-0042")"));
}

TEST_F(FormsTest, PrefillOfAnUnknownSubjectLeavesEverythingToTheApplicant) {
  const auto response = prefill(kUnknownCompany);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson form(response.body);
  EXPECT_EQ(form.at("/fields/org.name/status"), "not_found");
  EXPECT_EQ(form.at("/filled"), "0");
  EXPECT_EQ(form.at("/sharing_rate"), "0");
}

TEST_F(FormsTest, PrefillRefusesWhatAResolveWouldAndUnknownForms) {
  EXPECT_EQ(prefill(kCompany, "wrong-key").status, 401);
  // The form's purpose is not the tax client's.
  EXPECT_EQ(prefill(kCompany, kTaxKey).status, 403);
  EXPECT_EQ(client_
                ->post("/v1/forms/nothing/prefill",
                       R"({"subject":{"type":"org","code":")" + kCompany + R"("}})", kPermitKey)
                .status,
            404);
  auto person = client_->post("/v1/forms/food-permit/prefill",
                              R"({"subject":{"type":"person","id_card":"x"}})", kPermitKey);
  EXPECT_EQ(person.status, 400);
  EXPECT_THAT(TestJson(person.body).at("/message"), HasSubstr("subject type 'org'"));
  // The form says the purpose and the fields: a body may not.
  EXPECT_EQ(client_
                ->post("/v1/forms/food-permit/prefill",
                       R"({"purpose":"tax","subject":{"type":"org","code":")" + kCompany + R"("}})",
                       kPermitKey)
                .status,
            400);
  EXPECT_EQ(client_->get("/v1/forms/food-permit/prefill", kPermitKey).status, 405);
  EXPECT_EQ(client_->get("/v1/forms/food-permit/other", kPermitKey).status, 404);
}

TEST_F(FormsTest, TheCatalogShowsWhatTheClientMayUseAndNeverData) {
  const auto response = client_->get("/v1/catalog", kPermitKey);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson catalog(response.body);
  EXPECT_EQ(catalog.at("/fields/0/id"), "org.name");
  EXPECT_EQ(catalog.at("/fields/0/description"), "企业名称");
  EXPECT_EQ(catalog.at("/fields/0/department"), "市场监督管理局");
  EXPECT_EQ(catalog.at("/fields/0/purposes/0/purpose"), "permit");
  EXPECT_EQ(catalog.at("/fields/0/purposes/0/effect"), "allow");
  EXPECT_EQ(catalog.at("/fields/2/id"), "org.rep");
  EXPECT_EQ(catalog.at("/fields/2/purposes/0/mask"), "show_first_1");
  EXPECT_EQ(catalog.at("/fields/3/purposes/0/effect"), "verify_only");
  // Denied and never-shared fields are not offered; no value appears.
  EXPECT_THAT(response.body, Not(HasSubstr("org.tax.arrears")));
  EXPECT_THAT(response.body, Not(HasSubstr("org.internal")));
  EXPECT_THAT(response.body, Not(HasSubstr("西溪")));

  const auto tax = TestJson(client_->get("/v1/catalog", kTaxKey).body);
  EXPECT_EQ(tax.at("/fields/0/id"), "org.tax.grade");
  EXPECT_EQ(tax.at("/fields/1"), "<missing>");
  EXPECT_EQ(client_->get("/v1/catalog").status, 401);
}

TEST_F(FormsTest, FormsAreListedForTheClientsPurposesWithWhoSuppliesEachEntry) {
  auto list = TestJson(client_->get("/v1/forms", kPermitKey).body);
  EXPECT_EQ(list.at("/forms/0/id"), "food-permit");
  EXPECT_EQ(list.at("/forms/0/title"), "食品经营许可");
  EXPECT_EQ(list.at("/forms/0/total"), "7");
  EXPECT_EQ(list.at("/forms/0/from_departments"), "6");
  EXPECT_EQ(list.at("/forms/1"), "<missing>");  // the tax form is another client's

  const auto response = client_->get("/v1/forms/food-permit", kPermitKey);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson form(response.body);
  EXPECT_EQ(form.at("/purpose"), "permit");
  EXPECT_EQ(form.at("/fields/0/id"), "org.name");
  EXPECT_EQ(form.at("/fields/0/supplied_by"), "gateway");
  EXPECT_EQ(form.at("/fields/0/department"), "市场监督管理局");
  EXPECT_EQ(form.at("/fields/5/effect"), "deny");
  EXPECT_EQ(form.at("/fields/6/id"), "applicant.floor_plan");
  EXPECT_EQ(form.at("/fields/6/supplied_by"), "applicant");
  EXPECT_EQ(client_->get("/v1/forms/tax-refund", kPermitKey).status, 403);
  EXPECT_EQ(client_->get("/v1/forms/none", kPermitKey).status, 404);
  EXPECT_EQ(client_->get("/v1/forms").status, 401);
  EXPECT_EQ(client_->post("/v1/forms", "{}", kPermitKey).status, 405);
}

}  // namespace
}  // namespace oncegate::testing
