// Separated duties against the real gateway with a control store: a DBA's change that widens who
// may read waits as a pending change (202) until a security officer approves it; the DBA cannot
// approve it; a rejected change never takes effect; a change whose document moved on is refused
// at approval (409) and stays visible; a change that does not widen takes effect at once.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kClientKey = "pending-it-client-key";
const std::string kDba = "pending-dba-token-01";
const std::string kOtherDba = "pending-dba-token-02";
const std::string kOfficer = "pending-officer-token-03";
const std::string kAuditor = "pending-auditor-token-04";
const std::string kAdmin = "pending-admin-token-05";
const std::string kCompany = "91330100MA27XK1234";

const std::string kStaffUnconditional =
    R"({"id":"org.staff","dataset":"registry.company","column":"staff","type":"int",)"
    R"("sharing":"unconditional"})";

class PendingChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-pending-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    const auto company = (directory_ / "company.db").string();
    runSqliteSql(company,
                 "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT, staff INTEGER, "
                 "capital TEXT); INSERT INTO company VALUES ('" +
                     kCompany + "', '杭州云栖科技有限公司', 120, '5000万');");
    const auto token = [](const std::string& name, const std::string& role,
                          const std::string& secret) {
      return "    - { name: " + name + ", role: " + role + ", token_sha256: " + sha256sum(secret) +
             " }\n";
    };
    files_["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 2\n"
        "audit: { path: audit/trail.jsonl, durability: strict }\n"
        "hash_key: " +
        randomHex(40) +
        "\nstore: \"Driver=SQLite3;Timeout=5000;Database=" + (directory_ / "control.db").string() +
        "\"\n"
        "admin:\n"
        "  tokens:\n" +
        token("dba-wang", "dba", kDba) + token("dba-zhang", "dba", kOtherDba) +
        token("sec-li", "security_officer", kOfficer) + token("aud-zhao", "auditor", kAuditor) +
        token("root-chen", "admin", kAdmin) + "include: [config.yaml]\n";
    // The client is granted org.name by name; org.staff and org.capital are conditional and
    // granted to nobody.
    files_["config.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        company +
        "\" }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: registry.company\n"
        "    source: registry\n"
        "    subject: org\n"
        "    query: SELECT name, staff, capital FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "  - { id: org.staff, dataset: registry.company, column: staff, type: int }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: permit-grant, clients: [permit-app], purposes: [permit], allow: [org.name] }\n";
    start();
  }

  void TearDown() override {
    client_.reset();
    gateway_.reset();
    std::error_code ec;
    std::filesystem::remove_all(directory_, ec);
  }

  void start() {
    client_.reset();
    gateway_.reset();
    gateway_ = std::make_unique<GatewayProcess>(files_);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  HttpResult put(const std::string& path, const std::string& body, const std::string& token,
                 const std::string& comment = "") {
    return client_->send("PUT", path, body, token, {{"X-Change-Comment", comment}});
  }

  HttpResult decide(const std::string& change, const std::string& verb, const std::string& token,
                    const std::string& comment = "") {
    return client_->send("POST", "/admin/v1/changes/" + change + "/" + verb, "", token,
                         {{"X-Change-Comment", comment}});
  }

  // The field's answer for the test company: its status, and its value when ok.
  TestJson resolve(const std::string& field) {
    const auto response =
        client_->post("/v1/resolve",
                      R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + kCompany +
                          R"("},"fields":[")" + field + R"("]})",
                      kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }
  std::string status(const std::string& field) {
    return resolve(field).at("/fields/" + field + "/status");
  }

  // The admin audit records of the admin calls on the change (its id) or route.
  std::vector<std::string> auditLines(const std::string& part) {
    std::ifstream in(gateway_->directory() / "audit" / "trail.jsonl");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (line.find(part) != std::string::npos) lines.push_back(line);
    }
    return lines;
  }

  std::filesystem::path directory_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(PendingChangeTest, AFieldMadeUnconditionalWaitsForASecurityOfficer) {
  EXPECT_EQ(status("org.staff"), "denied");

  const auto proposed =
      put("/admin/v1/fields/org.staff", kStaffUnconditional, kDba, "员工人数公开");
  ASSERT_EQ(proposed.status, 202) << proposed.body;
  TestJson pending(proposed.body);
  const auto id = pending.at("/change");
  EXPECT_EQ(pending.at("/state"), "pending");
  EXPECT_EQ(pending.at("/kind"), "fields");
  EXPECT_EQ(pending.at("/id"), "org.staff");
  EXPECT_EQ(pending.at("/author"), "dba-wang");
  EXPECT_THAT(pending.at("/time"), ::testing::MatchesRegex("20[0-9-]+T[0-9:]+Z"));
  EXPECT_THAT(pending.at("/reasons/0"), HasSubstr("conditional -> unconditional"));
  EXPECT_EQ(pending.at("/request_id"), proposed.headers.at("x-request-id"));

  // Nothing changed: the client still cannot read it, and the document in force is the old one.
  EXPECT_EQ(status("org.staff"), "denied");
  EXPECT_THAT(client_->get("/admin/v1/fields/org.staff", kDba).body, Not(HasSubstr("sharing")));

  // The author cannot approve its own change, nor can any DBA or the admin role.
  EXPECT_EQ(decide(id, "approve", kDba).status, 403);
  EXPECT_EQ(decide(id, "approve", kAdmin).status, 403);
  EXPECT_EQ(decide(id, "reject", kOtherDba).status, 403);
  // Another DBA does not see it; its author, the officer and the auditor do.
  EXPECT_EQ(client_->get("/admin/v1/changes/" + id, kOtherDba).status, 403);
  const auto mine = client_->get("/admin/v1/changes?state=pending", kDba);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(TestJson(mine.body).at("/changes/0/change"), id);
  EXPECT_EQ(
      TestJson(client_->get("/admin/v1/changes?state=pending", kOtherDba).body).at("/changes/0"),
      "<missing>");
  EXPECT_EQ(client_->get("/admin/v1/changes?state=pending", kAuditor).status, 200);
  EXPECT_EQ(client_->get("/admin/v1/changes?state=maybe", kAuditor).status, 400);

  // The officer sees what it would open: the diff and who gains access.
  const auto shown = client_->get("/admin/v1/changes/" + id, kOfficer);
  ASSERT_EQ(shown.status, 200) << shown.body;
  TestJson detail(shown.body);
  EXPECT_EQ(detail.at("/diff/added/0"), "sharing");
  EXPECT_EQ(detail.at("/applies"), "true");
  EXPECT_EQ(detail.at("/impact/gains/0/client"), "permit-app");
  EXPECT_EQ(detail.at("/impact/gains/0/purpose"), "permit");
  EXPECT_EQ(detail.at("/impact/gains/0/field"), "org.staff");
  EXPECT_EQ(detail.at("/impact/gains/0/why"), "newly_readable");
  // The replay finds the request above that was denied org.staff and would now be allowed.
  EXPECT_EQ(detail.at("/impact/replay/summary/newly_allowed"), "2");

  const auto approved = decide(id, "approve", kOfficer, "经审核同意");
  ASSERT_EQ(approved.status, 200) << approved.body;
  TestJson decision(approved.body);
  EXPECT_EQ(decision.at("/state"), "approved");
  EXPECT_EQ(decision.at("/decision/by"), "sec-li");
  EXPECT_EQ(decision.at("/decision/comment"), "经审核同意");
  EXPECT_EQ(decision.at("/decision/version"), "2");
  const auto staff = resolve("org.staff");
  EXPECT_EQ(staff.at("/fields/org.staff/status"), "ok");
  EXPECT_EQ(staff.at("/fields/org.staff/value"), "120");
  // Decided once; the version written names the author and the approver.
  EXPECT_EQ(decide(id, "approve", kOfficer).status, 409);
  EXPECT_EQ(decide(id, "reject", kOfficer).status, 409);
  TestJson history(client_->get("/admin/v1/fields/org.staff/history", kDba).body);
  EXPECT_EQ(history.at("/versions/0/author"), "dba-wang");
  EXPECT_EQ(history.at("/versions/0/comment"), "员工人数公开 (approved by sec-li)");

  // Each step is audited: who, what, how it ended.
  const auto steps = auditLines(R"("change":")" + id + R"(")");
  ASSERT_GE(steps.size(), 3u);
  EXPECT_THAT(steps.front(), HasSubstr(R"("outcome":"pending")"));
  EXPECT_THAT(steps.front(), HasSubstr(R"("name":"dba-wang")"));
  bool approvalAudited = false;
  for (const auto& line : steps) {
    if (line.find(R"("outcome":"approved")") != std::string::npos &&
        line.find(R"("name":"sec-li")") != std::string::npos) {
      approvalAudited = true;
    }
  }
  EXPECT_TRUE(approvalAudited);

  // It survives a restart as the store's document, and the change stays listed as approved.
  start();
  EXPECT_EQ(status("org.staff"), "ok");
  EXPECT_EQ(TestJson(client_->get("/admin/v1/changes?state=approved", kAuditor).body)
                .at("/changes/0/change"),
            id);
}

TEST_F(PendingChangeTest, ARejectedOrWithdrawnChangeNeverTakesEffect) {
  const auto proposed = put(
      "/admin/v1/fields/org.capital",
      R"({"id":"org.capital","dataset":"registry.company","column":"capital","sharing":"unconditional"})",
      kDba);
  ASSERT_EQ(proposed.status, 202) << proposed.body;
  const auto id = TestJson(proposed.body).at("/change");
  EXPECT_THAT(TestJson(proposed.body).at("/reasons/0"), HasSubstr("new field 'org.capital'"));
  EXPECT_EQ(status("org.capital"), "unknown_field");

  // Only its author withdraws it; the officer rejects it.
  EXPECT_EQ(decide(id, "withdraw", kOfficer).status, 403);
  const auto rejected = decide(id, "reject", kOfficer, "资本不公开");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(TestJson(rejected.body).at("/state"), "rejected");
  EXPECT_EQ(decide(id, "approve", kOfficer).status, 409);
  EXPECT_EQ(decide(id, "withdraw", kDba).status, 409);
  EXPECT_EQ(status("org.capital"), "unknown_field");
  const auto shown = TestJson(client_->get("/admin/v1/changes/" + id, kAuditor).body);
  EXPECT_EQ(shown.at("/state"), "rejected");
  EXPECT_EQ(shown.at("/decision/comment"), "资本不公开");

  const auto again = put(
      "/admin/v1/fields/org.capital",
      R"({"id":"org.capital","dataset":"registry.company","column":"capital","sharing":"unconditional"})",
      kDba);
  ASSERT_EQ(again.status, 202) << again.body;
  const auto second = TestJson(again.body).at("/change");
  const auto withdrawn = decide(second, "withdraw", kDba);
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_EQ(TestJson(withdrawn.body).at("/state"), "withdrawn");
  EXPECT_EQ(decide(second, "approve", kOfficer).status, 409);
  EXPECT_EQ(status("org.capital"), "unknown_field");
  EXPECT_EQ(client_->get("/admin/v1/changes/999", kOfficer).status, 404);
  EXPECT_EQ(client_->get("/admin/v1/changes/x", kOfficer).status, 404);
}

TEST_F(PendingChangeTest, AChangeThatDoesNotWidenTakesEffectAtOnce) {
  // Narrower, descriptive, or a new conditional field: no approval.
  EXPECT_EQ(put("/admin/v1/fields/org.name",
                R"({"id":"org.name","dataset":"registry.company","column":"name",)"
                R"("sensitivity":"public","description":"企业名称"})",
                kDba)
                .status,
            200);
  EXPECT_EQ(put("/admin/v1/fields/org.capital",
                R"({"id":"org.capital","dataset":"registry.company","column":"capital"})", kDba)
                .status,
            201);
  EXPECT_EQ(status("org.capital"), "denied");
  EXPECT_EQ(put("/admin/v1/fields/org.staff",
                R"({"id":"org.staff","dataset":"registry.company","column":"staff",)"
                R"("type":"int","sharing":"none"})",
                kDba)
                .status,
            200);
  // A security officer's own policy change is its own duty: at once.
  EXPECT_EQ(client_
                ->send("PUT", "/admin/v1/policies/permit-grant",
                       R"({"id":"permit-grant","clients":["permit-app"],"purposes":["permit"],)"
                       R"("allow":["org.name","org.capital"]})",
                       kOfficer)
                .status,
            200);
  EXPECT_EQ(status("org.capital"), "ok");
  EXPECT_EQ(TestJson(client_->get("/admin/v1/changes?state=all", kAuditor).body).at("/changes/0"),
            "<missing>");
}

TEST_F(PendingChangeTest, AChangeWhoseDocumentMovedOnIsRefusedAtApprovalAndStaysVisible) {
  // org.name is granted: pointed at another column it needs approval.
  const auto proposed =
      put("/admin/v1/fields/org.name",
          R"({"id":"org.name","dataset":"registry.company","column":"capital"})", kDba);
  ASSERT_EQ(proposed.status, 202) << proposed.body;
  const auto id = TestJson(proposed.body).at("/change");
  EXPECT_THAT(TestJson(proposed.body).at("/reasons/0"), HasSubstr("now reads"));
  // Meanwhile org.name changes in a way that needs no approval.
  ASSERT_EQ(
      put("/admin/v1/fields/org.name",
          R"({"id":"org.name","dataset":"registry.company","column":"name","transform":"trim"})",
          kOtherDba)
          .status,
      200);

  const auto refused = decide(id, "approve", kOfficer);
  ASSERT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(TestJson(refused.body).at("/error"), "conflict");
  EXPECT_THAT(TestJson(refused.body).at("/message"), HasSubstr("stays pending"));
  EXPECT_EQ(resolve("org.name").at("/fields/org.name/value"), "杭州云栖科技有限公司");
  const auto listed = TestJson(client_->get("/admin/v1/changes?state=pending", kOfficer).body);
  EXPECT_EQ(listed.at("/changes/0/change"), id);
  EXPECT_EQ(listed.at("/changes/0/state"), "pending");
}

}  // namespace
}  // namespace oncegate::testing
