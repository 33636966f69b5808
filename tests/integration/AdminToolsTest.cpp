// The admin plane's tools, end to end on the real binary with real SQLite, PostgreSQL and Redis:
// a DBA tests sources and dry-runs a chained dataset, invalidates the cache by dataset and by
// subject; a security officer replays recent requests under a proposed policy; an auditor queries
// and verifies the trail; every kind of document keeps a history with diffs and rolls back.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kClientKey = "tools-it-client-key";
const std::string kDba = "tools-dba-token-1";
const std::string kOfficer = "tools-officer-token-2";
const std::string kAuditor = "tools-auditor-token-3";
const std::string kOwner = "330106198001010012";
const std::string kOtherOwner = "330106199902020023";
const std::string kDeadPassword = "Dead-Pw-4471";

class AdminToolsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    landDb_ = "/tmp/oncegate-it-tools-" + randomHex(8) + ".db";
    runSqliteSql(landDb_,
                 "CREATE TABLE parcel (owner TEXT PRIMARY KEY, parcel_no TEXT, area REAL, "
                 "district TEXT);"
                 "INSERT INTO parcel VALUES ('" +
                     kOwner + "', 'P-0571-88', 120.5, '西湖区');" + "INSERT INTO parcel VALUES ('" +
                     kOtherOwner + "', 'P-0571-99', 80.25, '滨江区');");
    runPostgresSql(
        "DROP TABLE IF EXISTS it_tools_valuation;"
        "CREATE TABLE it_tools_valuation (parcel_no text PRIMARY KEY, assessed numeric(14,2), "
        "assessed_on date);"
        "INSERT INTO it_tools_valuation VALUES ('P-0571-88', 3456789.10, '2026-06-30');"
        "INSERT INTO it_tools_valuation VALUES ('P-0571-99', 1200000.00, '2025-12-31');");
  }

  static void TearDownTestSuite() { std::remove(landDb_.c_str()); }

  void SetUp() override {
    storeDb_ = "/tmp/oncegate-it-tools-store-" + randomHex(8) + ".db";
    ConfigFiles& files = files_;
    files["gateway.yaml"] = "listen: 127.0.0.1:1\nthreads: 2\nredis: redis://" + redisAddress() +
                            "/0\ncache: { local_ttl: 60s, encryption_keys: [" + randomHex(64) +
                            "] }\n"
                            "audit: { path: audit/trail.jsonl, durability: strict }\n"
                            "store: \"Driver=SQLite3;Database=" +
                            storeDb_ + "\"\nhash_key: " + randomHex(40) +
                            "\nadmin:\n  tokens:\n"
                            "    - { name: dba-sun, role: dba, token_sha256: " +
                            sha256sum(kDba) +
                            " }\n"
                            "    - { name: sec-zhou, role: security_officer, token_sha256: " +
                            sha256sum(kOfficer) +
                            " }\n"
                            "    - { name: aud-wu, role: auditor, token_sha256: " +
                            sha256sum(kAuditor) + " }\ninclude: [documents.yaml]\n";
    files["documents.yaml"] =
        "sources:\n"
        "  - { id: land, department: 自然资源局, odbc: \"Driver=SQLite3;Database=" +
        landDb_ +
        "\" }\n"
        "  - { id: appraisal, department: 评估中心, odbc: \"" +
        postgresOdbc() +
        "\", timeout: 1s }\n"
        "  - { id: dead, department: 档案馆, odbc: \"Driver=PostgreSQL Unicode;Server=127.0.0.1;"
        "Port=1;Database=none;Uid=archivist;PWD=" +
        kDeadPassword +
        "\", timeout: 500ms }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - id: land.parcel\n"
        "    source: land\n"
        "    subject: person\n"
        "    query: SELECT parcel_no, area, district FROM parcel WHERE owner = :owner\n"
        "    params: { owner: subject.id_card }\n"
        "  - id: appraisal.value\n"
        "    source: appraisal\n"
        "    subject: person\n"
        "    query: SELECT assessed, assessed_on FROM it_tools_valuation WHERE parcel_no = :no\n"
        "    params: { no: field.land.parcel_no }\n"
        "fields:\n"
        "  - { id: land.parcel_no, dataset: land.parcel, column: parcel_no, sharing: none }\n"
        "  - { id: land.area, dataset: land.parcel, column: area, type: decimal, scale: 1 }\n"
        "  - { id: land.district, dataset: land.parcel, column: district }\n"
        "  - { id: land.value, dataset: appraisal.value, column: assessed, type: decimal }\n"
        "  - { id: land.value_date, dataset: appraisal.value, column: assessed_on, type: date }\n"
        "clients:\n"
        "  - { id: housing-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [housing, subsidy] }\n"
        "policies:\n"
        "  - { id: housing-grant, clients: [housing-app], purposes: [housing, subsidy],\n"
        "      allow: [\"land.*\"], mask: { land.district: redact } }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(storeDb_.c_str());
  }

  TestJson resolve(const std::string& owner, const std::string& field,
                   const std::string& purpose = "housing") {
    const auto response =
        client_->post("/v1/resolve",
                      R"({"purpose":")" + purpose + R"(","subject":{"type":"person","id_card":")" +
                          owner + R"("},"fields":[")" + field + R"("]})",
                      kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }

  static std::string landDb_;
  std::string storeDb_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

std::string AdminToolsTest::landDb_;

TEST_F(AdminToolsTest, TestingASourceReportsItsLatencyOrTheDriversErrorWithoutSecrets) {
  auto ok = client_->post("/admin/v1/sources/appraisal/test", "", kDba);
  ASSERT_EQ(ok.status, 200) << ok.body;
  TestJson reachable(ok.body);
  EXPECT_EQ(reachable.at("/ok"), "true");
  EXPECT_GT(std::stod(reachable.at("/connect_ms")), 0.0);
  EXPECT_GT(std::stod(reachable.at("/query_ms")), 0.0);

  auto dead = client_->post("/admin/v1/sources/dead/test", "", kDba);
  ASSERT_EQ(dead.status, 200) << dead.body;
  TestJson unreachable(dead.body);
  EXPECT_EQ(unreachable.at("/ok"), "false");
  EXPECT_EQ(unreachable.at("/error/code"), "source_unavailable");
  EXPECT_NE(unreachable.at("/error/sqlstate"), "<missing>");
  // The driver's words may quote the connection string: the log has them, the answer not.
  EXPECT_EQ(unreachable.at("/error/driver"), "<missing>");
  EXPECT_THAT(gateway_->logs(), HasSubstr(unreachable.at("/request_id")));
  EXPECT_THAT(unreachable.at("/connection"), HasSubstr("PWD=***"));
  EXPECT_THAT(dead.body, Not(HasSubstr(kDeadPassword)));

  // A definition can be tried before it is registered; it is not registered by the test.
  auto proposed =
      client_->post("/admin/v1/sources/land2/test",
                    R"({"id":"land2","department":"自然资源局","odbc":"Driver=SQLite3;Database=)" +
                        landDb_ + R"(","pool":9})",
                    kDba);
  ASSERT_EQ(proposed.status, 200) << proposed.body;
  EXPECT_EQ(TestJson(proposed.body).at("/ok"), "true");
  EXPECT_EQ(client_->get("/admin/v1/sources/land2", kDba).status, 404);

  EXPECT_EQ(
      client_->post("/admin/v1/sources/land2/test", R"({"id":"other","odbc":"x"})", kDba).status,
      400);
  EXPECT_EQ(
      client_->post("/admin/v1/sources/land2/test", R"({"id":"land2","pool":0})", kDba).status,
      400);
  EXPECT_EQ(client_->post("/admin/v1/sources/nowhere/test", "", kDba).status, 404);
  EXPECT_EQ(client_->post("/admin/v1/sources/land/test", "", kOfficer).status, 403);
  EXPECT_EQ(client_->post("/admin/v1/sources/land/test", "", kAuditor).status, 403);
  EXPECT_EQ(client_->get("/admin/v1/sources/land/test", kDba).status, 405);
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr(kDeadPassword)));
}

TEST_F(AdminToolsTest, SourceStatusShowsHealthLatencyAndTheLastTestWithoutAskingTheDatabases) {
  // The JSON pointer of source `id` in a status answer (listed as GET /admin/v1/sources lists
  // them: by id when a control store holds the documents).
  const auto entry = [](const TestJson& status, const std::string& id) {
    for (int i = 0; i < 3; ++i) {
      const std::string at = "/sources/" + std::to_string(i);
      if (status.at(at + "/id") == id) return at;
    }
    ADD_FAILURE() << id << " is not listed";
    return std::string("/sources/9");
  };
  // Connections are opened lazily: before any request nothing has been asked of any source.
  auto before = client_->get("/admin/v1/sources/status", kDba);
  ASSERT_EQ(before.status, 200) << before.body;
  TestJson idle(before.body);
  const auto land = entry(idle, "land");
  EXPECT_EQ(idle.at(land + "/department"), "自然资源局");
  EXPECT_EQ(idle.at(land + "/health"), "idle");
  EXPECT_EQ(idle.at(land + "/latency_ms"), "null");
  EXPECT_EQ(idle.at(land + "/last_probe"), "null");

  // land.value chains land.parcel (land) into appraisal.value (appraisal).
  resolve(kOwner, "land.value");
  ASSERT_EQ(client_->post("/admin/v1/sources/dead/test", "", kDba).status, 200);
  auto after = client_->get("/admin/v1/sources/status", kAuditor);
  ASSERT_EQ(after.status, 200) << after.body;
  TestJson status(after.body);
  for (const auto* id : {"land", "appraisal"}) {
    SCOPED_TRACE(id);
    const auto at = entry(status, id);
    EXPECT_EQ(status.at(at + "/health"), "healthy");
    EXPECT_EQ(status.at(at + "/breaker"), "closed");
    EXPECT_EQ(status.at(at + "/queries"), "1");
    EXPECT_EQ(status.at(at + "/failures"), "0");
    EXPECT_GT(std::stod(status.at(at + "/latency_ms/p50")), 0.0);
    EXPECT_GT(std::stod(status.at(at + "/latency_ms/mean")), 0.0);
    EXPECT_EQ(status.at(at + "/last_probe"), "null");
  }
  // The test opened a connection of its own: the source serving requests is still unused.
  const auto dead = entry(status, "dead");
  EXPECT_EQ(status.at(dead + "/health"), "idle");
  EXPECT_EQ(status.at(dead + "/last_probe/ok"), "false");
  EXPECT_EQ(status.at(dead + "/last_probe/error"), "source_unavailable");
  EXPECT_EQ(status.at(dead + "/last_probe/query_ms"), "null");
  EXPECT_THAT(after.body, Not(HasSubstr(kDeadPassword)));
  EXPECT_THAT(after.body, Not(HasSubstr("odbc")));

  EXPECT_EQ(client_->get("/admin/v1/sources/status", kOfficer).status, 403);
  EXPECT_EQ(client_->post("/admin/v1/sources/status", "", kDba).status, 405);
}

TEST_F(AdminToolsTest, AFieldsGrantsNameThePoliciesClientsAndPurposesThatMayReadIt) {
  auto district = client_->get("/admin/v1/fields/land.district/grants", kDba);
  ASSERT_EQ(district.status, 200) << district.body;
  TestJson grants(district.body);
  EXPECT_EQ(grants.at("/field"), "land.district");
  EXPECT_EQ(grants.at("/sharing"), "conditional");
  // housing-grant names land.* for two purposes of one client: one entry each.
  EXPECT_EQ(grants.at("/grants/0/policy"), "housing-grant");
  EXPECT_EQ(grants.at("/grants/0/client"), "housing-app");
  EXPECT_EQ(grants.at("/grants/0/purpose"), "housing");
  EXPECT_EQ(grants.at("/grants/0/effect"), "allow");
  EXPECT_EQ(grants.at("/grants/0/verify_only"), "false");
  EXPECT_EQ(grants.at("/grants/0/mask"), "redact");
  EXPECT_EQ(grants.at("/grants/0/in_force"), "true");
  EXPECT_EQ(grants.at("/grants/0/valid_until"), "null");
  EXPECT_EQ(grants.at("/grants/1/purpose"), "subsidy");
  EXPECT_EQ(grants.at("/grants/2"), "<missing>");

  // Named by the policy, but never shared: listed, and denied.
  TestJson unshared(client_->get("/admin/v1/fields/land.parcel_no/grants", kAuditor).body);
  EXPECT_EQ(unshared.at("/sharing"), "none");
  EXPECT_EQ(unshared.at("/grants/0/effect"), "deny");

  EXPECT_EQ(client_->get("/admin/v1/fields/land.nothing/grants", kDba).status, 404);
  EXPECT_EQ(client_->get("/admin/v1/fields/land.district/grants", kOfficer).status, 403);
}

TEST_F(AdminToolsTest, DryRunShowsEachQueryOfTheChainItsParamsAndRowWithoutTheCache) {
  const auto before = sourceQueries(*client_, "appraisal");
  auto response =
      client_->post("/admin/v1/datasets/appraisal.value/dry-run",
                    R"({"subject":{"type":"person","id_card":")" + kOwner + R"("}})", kDba);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson run(response.body);
  EXPECT_EQ(run.at("/steps/0/dataset"), "land.parcel");
  EXPECT_EQ(run.at("/steps/0/sql"), "SELECT parcel_no, area, district FROM parcel WHERE owner = ?");
  EXPECT_EQ(run.at("/steps/0/params/0/name"), "owner");
  EXPECT_EQ(run.at("/steps/0/params/0/from"), "subject.id_card");
  EXPECT_EQ(run.at("/steps/0/params/0/type"), "string");
  EXPECT_EQ(run.at("/steps/0/outcome"), "found");
  EXPECT_EQ(run.at("/steps/0/row/district"), "西湖区");
  EXPECT_EQ(run.at("/steps/0/fields/land.area"), "120.5");
  EXPECT_EQ(run.at("/steps/1/dataset"), "appraisal.value");
  EXPECT_EQ(run.at("/steps/1/source"), "appraisal");
  EXPECT_EQ(run.at("/steps/1/params/0/from"), "field.land.parcel_no");
  EXPECT_EQ(run.at("/steps/1/params/0/value"), "P-0571-88");
  EXPECT_EQ(run.at("/steps/1/fields/land.value"), "3456789.10");
  EXPECT_EQ(run.at("/steps/1/fields/land.value_date"), "2026-06-30");
  EXPECT_EQ(run.at("/steps/2"), "<missing>");
  EXPECT_EQ(sourceQueries(*client_, "appraisal"), before + 1);

  // Straight to the source: the cache was neither read nor filled, so a request still queries.
  EXPECT_EQ(resolve(kOwner, "land.value").at("/fields/land.value/cached"), "false");
  EXPECT_EQ(sourceQueries(*client_, "appraisal"), before + 2);

  // No row upstream: the chained step is skipped and says why.
  auto none = client_->post("/admin/v1/datasets/appraisal.value/dry-run",
                            R"({"subject":{"id_card":"110101200001010000"}})", kDba);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(TestJson(none.body).at("/steps/0/outcome"), "not_found");
  EXPECT_EQ(TestJson(none.body).at("/steps/1/outcome"), "skipped");

  // The subject is checked and never echoed; other roles may not read personal data this way.
  auto bad = client_->post("/admin/v1/datasets/land.parcel/dry-run",
                           R"({"subject":{"id_card":"12345"}})", kDba);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, Not(HasSubstr("12345")));
  EXPECT_EQ(client_
                ->post("/admin/v1/datasets/land.parcel/dry-run",
                       R"({"subject":{"passport":")" + kOwner + R"("}})", kDba)
                .status,
            400);
  EXPECT_EQ(client_
                ->post("/admin/v1/datasets/none/dry-run",
                       R"({"subject":{"id_card":")" + kOwner + R"("}})", kDba)
                .status,
            404);
  EXPECT_EQ(client_
                ->post("/admin/v1/datasets/land.parcel/dry-run",
                       R"({"subject":{"id_card":")" + kOwner + R"("}})", kAuditor)
                .status,
            403);
  // Whom a dry run was about goes to the audit trail, not to the log.
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr(kOwner)));
  auto audit =
      client_->get("/admin/v1/audit?route=/admin/v1/datasets/appraisal.value/dry-run", kAuditor);
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(TestJson(audit.body).at("/records/1/subject/id_card"), kOwner);
  EXPECT_EQ(TestJson(audit.body).at("/records/1/admin/name"), "dba-sun");
}

TEST_F(AdminToolsTest, InvalidatingByDatasetOrSubjectMakesTheNextRequestAskTheSource) {
  // Earlier runs on this Redis left entries of this dataset id (under other hash keys).
  ASSERT_EQ(
      client_->post("/admin/v1/cache/invalidate", R"({"dataset":"land.parcel"})", kDba).status,
      200);
  resolve(kOwner, "land.area");
  resolve(kOtherOwner, "land.area");
  const auto asked = sourceQueries(*client_, "land");
  EXPECT_EQ(resolve(kOwner, "land.area").at("/fields/land.area/cached"), "true");
  EXPECT_EQ(sourceQueries(*client_, "land"), asked);

  auto one =
      client_->post("/admin/v1/cache/invalidate",
                    R"({"dataset":"land.parcel","subject":{"id_card":")" + kOwner + R"("}})", kDba);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(TestJson(one.body).at("/scope"), "subject");
  EXPECT_EQ(TestJson(one.body).at("/removed"), "1");
  EXPECT_EQ(resolve(kOwner, "land.area").at("/fields/land.area/cached"), "false");
  EXPECT_EQ(resolve(kOtherOwner, "land.area").at("/fields/land.area/cached"), "true");
  EXPECT_EQ(sourceQueries(*client_, "land"), asked + 1);

  auto all = client_->post("/admin/v1/cache/invalidate", R"({"dataset":"land.parcel"})", kDba);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(TestJson(all.body).at("/removed"), "2");
  EXPECT_EQ(resolve(kOtherOwner, "land.area").at("/fields/land.area/cached"), "false");
  EXPECT_EQ(sourceQueries(*client_, "land"), asked + 2);

  // A chained dataset's entries are keyed by what another dataset yields: only all of them go.
  EXPECT_EQ(
      client_
          ->post("/admin/v1/cache/invalidate",
                 R"({"dataset":"appraisal.value","subject":{"id_card":")" + kOwner + R"("}})", kDba)
          .status,
      400);
  EXPECT_EQ(client_->post("/admin/v1/cache/invalidate", R"({"dataset":"nope"})", kDba).status, 404);
  EXPECT_EQ(
      client_->post("/admin/v1/cache/invalidate", R"({"datasets":"land.parcel"})", kDba).status,
      400);
  EXPECT_EQ(
      client_->post("/admin/v1/cache/invalidate", R"({"dataset":"land.parcel"})", kOfficer).status,
      403);
}

TEST_F(AdminToolsTest, AnInvalidationReachesTheLocalCopiesOfEveryInstance) {
  // A second instance on the same store, Redis and hash key, with a local tier that would keep
  // its copy for a minute.
  const GatewayProcess other(files_);
  const HttpClient otherClient(other.port());
  // It hears invalidations once subscribed (its log says so within a second or two).
  const auto subscribedBy = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (other.logs().find("cache invalidations: listening") == std::string::npos &&
         std::chrono::steady_clock::now() < subscribedBy) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(other.logs().find("cache invalidations: listening"), std::string::npos) << other.logs();
  const auto resolveOn = [&](const HttpClient& client) {
    return TestJson(client
                        .post("/v1/resolve",
                              R"({"purpose":"housing","subject":{"type":"person","id_card":")" +
                                  kOwner + R"("},"fields":["land.area"]})",
                              kClientKey)
                        .body)
        .at("/fields/land.area/cached");
  };
  ASSERT_EQ(
      client_->post("/admin/v1/cache/invalidate", R"({"dataset":"land.parcel"})", kDba).status,
      200);
  resolveOn(*client_);
  EXPECT_EQ(resolveOn(otherClient), "true");  // from Redis, now in its local tier
  EXPECT_EQ(resolveOn(otherClient), "true");

  ASSERT_EQ(
      client_
          ->post("/admin/v1/cache/invalidate",
                 R"({"dataset":"land.parcel","subject":{"id_card":")" + kOwner + R"("}})", kDba)
          .status,
      200);
  // The other instance hears it within a second and asks the source again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::string cached = "true";
  while (cached == "true" && std::chrono::steady_clock::now() < deadline) {
    cached = resolveOn(otherClient);
    if (cached == "true") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(cached, "false");
}

TEST_F(AdminToolsTest, ImpactReplaysRecentRequestsUnderAProposedPolicyAndChangesNothing) {
  resolve(kOwner, "land.area");
  resolve(kOwner, "land.district", "subsidy");
  resolve(kOtherOwner, "land.value");
  const std::string proposal =
      R"({"policies":[{"id":"housing-grant","clients":["housing-app"],)"
      R"("purposes":["housing","subsidy"],"allow":["land.*"],"deny":["land.value"],)"
      R"("mask":{"land.district":"show_first_1"}}],"last":50})";
  auto response = client_->post("/admin/v1/policies/impact", proposal, kOfficer);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson impact(response.body);
  EXPECT_EQ(impact.at("/summary/requests_examined"), "3");
  EXPECT_EQ(impact.at("/summary/newly_denied"), "1");
  EXPECT_EQ(impact.at("/summary/mask_changed"), "1");
  EXPECT_EQ(impact.at("/summary/newly_allowed"), "0");
  // Newest first: the value request, then the district one.
  EXPECT_EQ(impact.at("/changes/0/field"), "land.value");
  EXPECT_EQ(impact.at("/changes/0/change"), "newly_denied");
  EXPECT_EQ(impact.at("/changes/0/before/effect"), "allow");
  EXPECT_EQ(impact.at("/changes/0/after/effect"), "deny");
  EXPECT_EQ(impact.at("/changes/1/field"), "land.district");
  EXPECT_EQ(impact.at("/changes/1/purpose"), "subsidy");
  EXPECT_EQ(impact.at("/changes/1/before/mask"), "redact");
  EXPECT_EQ(impact.at("/changes/1/after/mask"), "show_first_1");
  EXPECT_EQ(impact.at("/changes/2"), "<missing>");
  EXPECT_THAT(response.body, Not(HasSubstr(kOwner)));  // no subject in a replay

  // A proposal is only looked at: the policy in force still decides.
  EXPECT_EQ(resolve(kOtherOwner, "land.value").at("/fields/land.value/status"), "ok");

  // Removing the only grant denies everything that was asked.
  auto removal = client_->post("/admin/v1/policies/impact",
                               R"({"remove":["housing-grant"],"last":3})", kOfficer);
  ASSERT_EQ(removal.status, 200) << removal.body;
  EXPECT_EQ(TestJson(removal.body).at("/summary/newly_denied"), "3");

  // A proposal that could not be published is refused as a change would be.
  auto invalid = client_->post(
      "/admin/v1/policies/impact",
      R"({"policies":[{"id":"x","clients":["nobody"],"purposes":["housing"],"allow":["land.*"]}]})",
      kOfficer);
  EXPECT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_THAT(TestJson(invalid.body).at("/problems/0"), HasSubstr("nobody"));
  EXPECT_EQ(client_->post("/admin/v1/policies/impact", R"({"last":5})", kOfficer).status, 400);
  EXPECT_EQ(client_->post("/admin/v1/policies/impact", R"({"remove":["nope"]})", kOfficer).status,
            404);
  EXPECT_EQ(client_->post("/admin/v1/policies/impact", proposal, kDba).status, 403);
}

TEST_F(AdminToolsTest, RequestsRefusedWholeAreRecordedWithTheirFieldsAndReplayed) {
  const std::string withCase =
      R"({"id":"housing-grant","clients":["housing-app"],"purposes":["housing","subsidy"],)"
      R"("allow":["land.*"],"mask":{"land.district":"redact"},"require_case":true})";
  ASSERT_EQ(client_->send("PUT", "/admin/v1/policies/housing-grant", withCase, kOfficer).status,
            200);
  const auto refused =
      client_->post("/v1/resolve",
                    R"({"purpose":"housing","subject":{"type":"person","id_card":")" + kOwner +
                        R"("},"fields":["land.area","land.value"]})",
                    kClientKey);
  ASSERT_EQ(refused.status, 403) << refused.body;
  auto audit = client_->get("/admin/v1/audit?route=/v1/resolve&limit=1", kAuditor);
  EXPECT_EQ(TestJson(audit.body).at("/records/0/fields"),
            R"({"land.area":"refused","land.value":"refused"})");

  // Dropping the case requirement would have served both fields.
  const std::string withoutCase =
      R"({"policies":[{"id":"housing-grant","clients":["housing-app"],)"
      R"("purposes":["housing","subsidy"],"allow":["land.*"],"mask":{"land.district":"redact"}}],)"
      R"("last":1})";
  auto impact = client_->post("/admin/v1/policies/impact", withoutCase, kOfficer);
  ASSERT_EQ(impact.status, 200) << impact.body;
  TestJson replay(impact.body);
  EXPECT_EQ(replay.at("/summary/newly_allowed"), "2");
  EXPECT_EQ(replay.at("/changes/0/recorded"), "refused");
  EXPECT_EQ(replay.at("/changes/0/before/case_required"), "true");
  EXPECT_EQ(replay.at("/changes/0/after/effect"), "allow");
}

TEST_F(AdminToolsTest, AnAuditorQueriesAndVerifiesTheTrail) {
  resolve(kOwner, "land.area");
  resolve(kOtherOwner, "land.district");
  auto recent = client_->get("/admin/v1/audit?route=/v1/resolve&limit=1", kAuditor);
  ASSERT_EQ(recent.status, 200) << recent.body;
  TestJson one(recent.body);
  EXPECT_EQ(one.at("/records/0/subject/id_card"), kOtherOwner);
  EXPECT_EQ(one.at("/records/0/client"), "housing-app");
  EXPECT_EQ(one.at("/records/1"), "<missing>");
  EXPECT_EQ(one.at("/scan/limit_reached"), "true");

  auto both = client_->get("/admin/v1/audit?client=housing-app&since=2000-01-01", kAuditor);
  EXPECT_EQ(TestJson(both.body).at("/records/1/subject/id_card"), kOwner);
  auto future = client_->get("/admin/v1/audit?since=2200-01-01T00:00:00Z", kAuditor);
  EXPECT_EQ(TestJson(future.body).at("/records/0"), "<missing>");
  EXPECT_EQ(client_->get("/admin/v1/audit?since=yesterday", kAuditor).status, 400);
  EXPECT_EQ(client_->get("/admin/v1/audit?limit=0", kAuditor).status, 400);
  EXPECT_EQ(client_->get("/admin/v1/audit?clinet=housing-app", kAuditor).status, 400);
  EXPECT_EQ(client_->get("/admin/v1/audit", kDba).status, 403);
  EXPECT_EQ(client_->get("/admin/v1/audit", kOfficer).status, 403);

  auto verified = client_->post("/admin/v1/audit/verify", "", kAuditor);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(TestJson(verified.body).at("/intact"), "true");
  EXPECT_GE(std::stol(TestJson(verified.body).at("/lines")), 9L);
  // No signing: configured, so no checkpoint: every line is unprotected.
  EXPECT_EQ(TestJson(verified.body).at("/records"), TestJson(verified.body).at("/lines"));
  EXPECT_EQ(TestJson(verified.body).at("/torn_lines"), "[]");
  EXPECT_EQ(TestJson(verified.body).at("/checkpoints"), "0");
  EXPECT_EQ(TestJson(verified.body).at("/signatures_checked"), "false");
  EXPECT_EQ(TestJson(verified.body).at("/last_checkpoint"), "<missing>");
  EXPECT_EQ(TestJson(verified.body).at("/unprotected_lines"), TestJson(verified.body).at("/lines"));
}

TEST_F(AdminToolsTest, EveryKindKeepsItsHistoryAndTheChangeLogSaysWhatChanged) {
  const std::string renamed =
      R"({"id":"land.district","dataset":"land.parcel","column":"district",)"
      R"("description":"行政区"})";
  ASSERT_EQ(client_->send("PUT", "/admin/v1/fields/land.district", renamed, kDba).status, 200);
  auto history = client_->get("/admin/v1/fields/land.district/history", kAuditor);
  ASSERT_EQ(history.status, 200) << history.body;
  TestJson versions(history.body);
  EXPECT_EQ(versions.at("/versions/0/field/description"), "行政区");
  EXPECT_EQ(versions.at("/versions/0/author"), "dba-sun");
  EXPECT_EQ(versions.at("/versions/1/field/description"), "<missing>");

  auto changes = client_->get("/admin/v1/changes?limit=1", kOfficer);
  ASSERT_EQ(changes.status, 200) << changes.body;
  TestJson log(changes.body);
  EXPECT_EQ(log.at("/changes/0/kind"), "fields");
  EXPECT_EQ(log.at("/changes/0/action"), "changed");
  EXPECT_EQ(log.at("/changes/0/diff/added"), R"(["description"])");
  EXPECT_EQ(log.at("/changes/0/diff/changed"), "[]");
  EXPECT_EQ(log.at("/changes/1"), "<missing>");
  EXPECT_EQ(log.at("/truncated"), "true");

  const auto first = versions.at("/versions/1/version");
  auto rolled = client_->post("/admin/v1/fields/land.district/rollback",
                              R"({"version":)" + first + "}", kDba);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  EXPECT_EQ(TestJson(rolled.body).at("/field/description"), "<missing>");
  auto after = TestJson(client_->get("/admin/v1/changes?limit=1", kDba).body);
  EXPECT_EQ(after.at("/changes/0/diff/removed"), R"(["description"])");
  EXPECT_EQ(
      client_->post("/admin/v1/fields/land.district/rollback", R"({"version":1})", kOfficer).status,
      403);
  EXPECT_EQ(client_->get("/admin/v1/changes?limit=x", kDba).status, 400);
}

}  // namespace
}  // namespace oncegate::testing
