// The admin plane with a control store (SQLite, in the test's own directory): the YAML directory
// imported at first start, changes that survive a restart, policy history and rollback, the
// change log, rejected changes that write nothing, and the version /readyz reports.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"
#include "UnusedPort.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kClientKey = "store-it-client-key";
const std::string kDba = "store-dba-token-01";
const std::string kOfficer = "store-officer-token-02";
const std::string kAuditor = "store-auditor-token-03";
const std::string kCompany = "91330100MA27XK1234";

const std::string kOriginalPolicy =
    R"({"id":"permit-grant","clients":["permit-app"],"purposes":["permit"],"allow":["org.*"]})";
const std::string kDenyStaff =
    R"({"id":"permit-grant","clients":["permit-app"],"purposes":["permit"],"allow":["org.*"],)"
    R"("deny":["org.staff"]})";
const std::string kDenyName =
    R"({"id":"permit-grant","clients":["permit-app"],"purposes":["permit"],"allow":["org.*"],)"
    R"("deny":["org.name"]})";
// The documents the YAML directory holds: one source, subject, dataset, client and policy, two
// fields.
constexpr int kImportedDocuments = 7;

class AdminStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-store-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    const auto company = (directory_ / "company.db").string();
    runSqliteSql(company,
                 "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT, staff INTEGER); "
                 "INSERT INTO company VALUES ('" +
                     kCompany + "', '杭州云栖科技有限公司', 120);");

    files_["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 2\n"
        "audit: { path: audit/trail.jsonl }\n"
        "hash_key: " +
        randomHex(40) +
        "\nstore: \"Driver=SQLite3;Timeout=5000;Database=" + (directory_ / "control.db").string() +
        "\"\n"
        "store_poll: 200ms\n"
        "admin:\n"
        "  tokens:\n"
        "    - { name: dba-wang, role: dba, token_sha256: " +
        sha256sum(kDba) +
        " }\n"
        "    - { name: sec-li, role: security_officer, token_sha256: " +
        sha256sum(kOfficer) +
        " }\n"
        "    - { name: aud-zhao, role: auditor, token_sha256: " +
        sha256sum(kAuditor) +
        " }\n"
        "include: [config.yaml]\n";
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
        "    query: SELECT name, staff FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "  - { id: org.staff, dataset: registry.company, column: staff, type: int }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: permit-grant, clients: [permit-app], purposes: [permit], allow: [\"org.*\"] "
        "}\n";
    start();
  }

  void TearDown() override {
    client_.reset();
    gateway_.reset();
    std::error_code ec;
    std::filesystem::remove_all(directory_, ec);
  }

  // Starts (or restarts) the gateway on the same files and the same control store.
  void start() {
    client_.reset();
    gateway_.reset();
    gateway_ = std::make_unique<GatewayProcess>(files_);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  HttpResult putPolicy(const std::string& body, const std::string& comment) {
    return client_->send("PUT", "/admin/v1/policies/permit-grant", body, kOfficer,
                         {{"X-Change-Comment", comment}});
  }

  // The status of one field for the test company.
  std::string fieldStatus(const std::string& field) { return fieldStatus(*client_, field); }
  static std::string fieldStatus(const HttpClient& client, const std::string& field) {
    const auto response =
        client.post("/v1/resolve",
                    R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + kCompany +
                        R"("},"fields":[")" + field + R"("]})",
                    kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body).at("/fields/" + field + "/status");
  }

  TestJson changes() {
    const auto response = client_->get("/admin/v1/changes", kAuditor);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }

  std::string readyVersion() { return readyVersion(*client_); }
  static std::string readyVersion(const HttpClient& client) {
    return TestJson(client.get("/readyz").body).at("/version");
  }

  // Whether `client`'s instance says in /readyz that it serves `version` within two seconds
  // (under a loaded machine, one read right after the field changed once saw the version before).
  static bool reachesVersion(const HttpClient& client, const std::string& version) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      if (readyVersion(client) == version) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return readyVersion(client) == version;
  }

  // Whether `field` reaches `status` on `client`'s instance within the two seconds allowed.
  static bool becomes(const HttpClient& client, const std::string& field,
                      const std::string& status) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fieldStatus(client, field) == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // A second instance on the same files and the same control store.
  std::unique_ptr<GatewayProcess> startAnother() {
    return std::make_unique<GatewayProcess>(files_);
  }

  // Restarts the gateway with `redis:` set and the store read every `storePoll`.
  void restartWithRedis(const std::string& redisUrl, const std::string& storePoll) {
    auto& yaml = files_["gateway.yaml"];
    const std::string poll = "store_poll: 200ms\n";
    yaml.replace(yaml.find(poll), poll.size(),
                 "store_poll: " + storePoll + "\nredis: " + redisUrl +
                     "\ncache: { encryption_keys: [" + randomHex(64) + "] }\n");
    start();
  }

  // How long `field` took to reach `status` on `client`'s instance; nullopt after `limit`.
  static std::optional<std::chrono::milliseconds> timeUntil(const HttpClient& client,
                                                            const std::string& field,
                                                            const std::string& status,
                                                            std::chrono::milliseconds limit) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < limit) {
      if (fieldStatus(client, field) == status) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  // Whether the process logs `text` within five seconds (info lines reach stderr each second).
  static bool logsSay(const GatewayProcess& process, const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (process.logs().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  static int occurrences(const std::string& text, std::string_view part) {
    int count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
  }

  std::filesystem::path directory_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(AdminStoreTest, FirstStartImportsTheDirectoryAsVersionOne) {
  const auto log = changes();
  EXPECT_EQ(log.at("/version"), "1");
  EXPECT_EQ(readyVersion(), "1");
  for (int i = 0; i < kImportedDocuments; ++i) {
    const auto entry = "/changes/" + std::to_string(i);
    EXPECT_EQ(log.at(entry + "/version"), "1");
    EXPECT_EQ(log.at(entry + "/author"), "import");
    EXPECT_THAT(log.at(entry + "/comment"), HasSubstr(gateway_->directory().string()));
    EXPECT_EQ(log.at(entry + "/deleted"), "false");
  }
  EXPECT_EQ(log.at("/changes/" + std::to_string(kImportedDocuments)), "<missing>");
  EXPECT_EQ(log.at("/changes/0/kind"), "clients");  // ordered by kind, then id
  EXPECT_EQ(log.at("/changes/0/id"), "permit-app");
  EXPECT_EQ(fieldStatus("org.staff"), "ok");
}

TEST_F(AdminStoreTest, AChangeSurvivesARestart) {
  const auto put = putPolicy(kDenyStaff, "staff numbers are not needed for permits");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(readyVersion(), "2");

  // The files still allow org.staff: what is served now comes from the store.
  start();
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(fieldStatus("org.name"), "ok");
  EXPECT_EQ(readyVersion(), "2");
  const auto log = changes();
  EXPECT_EQ(log.at("/version"), "2");
  EXPECT_EQ(log.at("/changes/0/version"), "2");  // newest first
  EXPECT_EQ(log.at("/changes/0/author"), "sec-li");
  EXPECT_EQ(log.at("/changes/0/kind"), "policies");
  EXPECT_EQ(log.at("/changes/0/id"), "permit-grant");
  EXPECT_EQ(log.at("/changes/0/comment"), "staff numbers are not needed for permits");
  EXPECT_EQ(log.at("/changes/1/version"), "1");
  EXPECT_EQ(client_->get("/admin/v1/policies/permit-grant", kOfficer).body, kDenyStaff);

  // A removal survives as well.
  EXPECT_EQ(client_->send("DELETE", "/admin/v1/fields/org.name", "", kDba).status, 204);
  start();
  EXPECT_EQ(fieldStatus("org.name"), "unknown_field");
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(readyVersion(), "3");
  EXPECT_EQ(changes().at("/changes/0/deleted"), "true");
}

TEST_F(AdminStoreTest, HistoryListsVersionsNewestFirstAndRollbackIsANewVersion) {
  ASSERT_EQ(putPolicy(kDenyStaff, "no staff").status, 200);
  ASSERT_EQ(putPolicy(kDenyName, "no name").status, 200);
  EXPECT_EQ(fieldStatus("org.name"), "denied");
  EXPECT_EQ(fieldStatus("org.staff"), "ok");

  const auto listed = client_->get("/admin/v1/policies/permit-grant/history", kAuditor);
  ASSERT_EQ(listed.status, 200) << listed.body;
  TestJson history(listed.body);
  EXPECT_EQ(history.at("/versions/0/version"), "3");
  EXPECT_EQ(history.at("/versions/0/comment"), "no name");
  EXPECT_EQ(history.at("/versions/0/author"), "sec-li");
  EXPECT_EQ(history.at("/versions/0/policy"), kDenyName);
  EXPECT_EQ(history.at("/versions/1/version"), "2");
  EXPECT_EQ(history.at("/versions/1/policy"), kDenyStaff);
  EXPECT_EQ(history.at("/versions/2/version"), "1");
  EXPECT_EQ(history.at("/versions/2/author"), "import");
  EXPECT_EQ(history.at("/versions/2/policy"), kOriginalPolicy);
  EXPECT_EQ(history.at("/versions/3"), "<missing>");
  EXPECT_THAT(history.at("/versions/0/time"), ::testing::MatchesRegex("20[0-9-]+T[0-9:]+Z"));

  const auto rolled =
      client_->post("/admin/v1/policies/permit-grant/rollback", R"({"version":2})", kOfficer);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  TestJson answer(rolled.body);
  EXPECT_EQ(answer.at("/version"), "4");
  EXPECT_EQ(answer.at("/rolled_back_to"), "2");
  EXPECT_EQ(answer.at("/policy"), kDenyStaff);
  EXPECT_EQ(fieldStatus("org.name"), "ok");
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(readyVersion(), "4");

  TestJson after(client_->get("/admin/v1/policies/permit-grant/history", kOfficer).body);
  EXPECT_EQ(after.at("/versions/0/version"), "4");
  EXPECT_EQ(after.at("/versions/0/comment"), "rollback to version 2");
  EXPECT_EQ(after.at("/versions/0/policy"), kDenyStaff);
  EXPECT_EQ(after.at("/versions/1/version"), "3");

  // Unknown versions, other roles and malformed bodies change nothing.
  EXPECT_EQ(client_->post("/admin/v1/policies/permit-grant/rollback", R"({"version":99})", kOfficer)
                .status,
            404);
  EXPECT_EQ(client_->post("/admin/v1/policies/permit-grant/rollback", R"({"version":1})", kAuditor)
                .status,
            403);
  EXPECT_EQ(
      client_->post("/admin/v1/policies/permit-grant/rollback", R"({"v":1})", kOfficer).status,
      400);
  EXPECT_EQ(client_->get("/admin/v1/policies/permit-grant/history", kDba).status, 403);
  EXPECT_EQ(client_->get("/admin/v1/policies/nobody/history", kOfficer).status, 404);
  // Every role reads the change log: who changed what and when, never a value.
  EXPECT_EQ(client_->get("/admin/v1/changes", kDba).status, 200);
  EXPECT_EQ(changes().at("/version"), "4");
}

TEST_F(AdminStoreTest, ARejectedChangeWritesNothing) {
  const auto before = changes().at("/changes");
  const auto rejected = putPolicy(
      R"({"id":"permit-grant","clients":["no-such-client"],"purposes":["permit"],"allow":["org.*"]})",
      "should not be kept");
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  EXPECT_EQ(client_->send("DELETE", "/admin/v1/datasets/registry.company", "", kDba).status, 422);

  const auto log = changes();
  EXPECT_EQ(log.at("/changes"), before);
  EXPECT_EQ(log.at("/version"), "1");
  EXPECT_EQ(readyVersion(), "1");
  TestJson history(client_->get("/admin/v1/policies/permit-grant/history", kOfficer).body);
  EXPECT_EQ(history.at("/versions/1"), "<missing>");
  start();
  EXPECT_EQ(fieldStatus("org.staff"), "ok");
  EXPECT_EQ(changes().at("/changes"), before);
}

TEST_F(AdminStoreTest, AChangeTheStoreCannotRecordAnswers503AndTakesNoEffect) {
  const auto before = changes().at("/changes");
  // The store's table goes away under the running gateway, as a failing database would.
  const auto control = (directory_ / "control.db").string();
  runSqliteSql(control, "ALTER TABLE oncegate_documents RENAME TO oncegate_documents_away;");
  const auto refused = putPolicy(kDenyStaff, "while the store is broken");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(TestJson(refused.body).at("/error"), "source_unavailable");
  EXPECT_THAT(TestJson(refused.body).at("/message"), HasSubstr("nothing was changed"));
  EXPECT_EQ(fieldStatus("org.staff"), "ok");  // the change did not take effect

  runSqliteSql(control, "ALTER TABLE oncegate_documents_away RENAME TO oncegate_documents;");
  EXPECT_EQ(changes().at("/changes"), before);  // and nothing was recorded
  ASSERT_EQ(putPolicy(kDenyStaff, "store back").status, 200);
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
}

TEST_F(AdminStoreTest, WithoutAStoreTheVersionedEndpointsSayWhatIsNeeded) {
  gateway_.reset();
  std::filesystem::remove(directory_ / "control.db");
  files_["gateway.yaml"].replace(files_["gateway.yaml"].find("store:"), 6, "# store:");
  start();
  EXPECT_EQ(readyVersion(), "0");
  const auto log = client_->get("/admin/v1/changes", kAuditor);
  EXPECT_EQ(log.status, 404);
  EXPECT_THAT(TestJson(log.body).at("/message"), HasSubstr("store:"));
  EXPECT_EQ(client_->get("/admin/v1/policies/permit-grant/history", kAuditor).status, 404);
  EXPECT_EQ(client_->post("/admin/v1/policies/permit-grant/rollback", R"({"version":1})", kOfficer)
                .status,
            404);
  // Changes still work, in memory, and keep version 0.
  EXPECT_EQ(putPolicy(kDenyStaff, "in memory").status, 200);
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(readyVersion(), "0");
  EXPECT_FALSE(std::filesystem::exists(directory_ / "control.db"));
}

TEST_F(AdminStoreTest, TwoInstancesOnOneStoreFollowEachOthersChangesBothWays) {
  const auto other = startAnother();
  const HttpClient otherClient(other->port());
  ASSERT_EQ(fieldStatus(otherClient, "org.staff"), "ok");
  ASSERT_EQ(readyVersion(otherClient), "1");

  ASSERT_EQ(putPolicy(kDenyStaff, "through the first").status, 200);
  EXPECT_TRUE(becomes(otherClient, "org.staff", "denied"));
  EXPECT_EQ(readyVersion(otherClient), "2");
  EXPECT_THAT(otherClient.get("/metrics").body, HasSubstr("\noncegate_config_version 2\n"));

  const auto put = otherClient.send("PUT", "/admin/v1/policies/permit-grant", kDenyName, kOfficer,
                                    {{"X-Change-Comment", "through the second"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(fieldStatus(otherClient, "org.name"), "denied");  // at once where it was made
  EXPECT_TRUE(becomes(*client_, "org.name", "denied"));
  EXPECT_EQ(fieldStatus("org.staff"), "ok");
  EXPECT_EQ(readyVersion(), "3");
  EXPECT_THAT(client_->get("/metrics").body, HasSubstr("\noncegate_config_version 3\n"));
  EXPECT_EQ(readyVersion(otherClient), "3");

  // Each rebuilt from the store only the version the other made, never its own.
  EXPECT_EQ(gateway_->stop(), 0);
  EXPECT_EQ(other->stop(), 0);
  EXPECT_THAT(gateway_->logs(), HasSubstr("now serving version 3 (was 2)"));
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr("now serving version 2")));
  EXPECT_THAT(other->logs(), HasSubstr("now serving version 2 (was 1)"));
  EXPECT_THAT(other->logs(), Not(HasSubstr("now serving version 3")));
}

TEST_F(AdminStoreTest, DocumentsThatDoNotBuildLeaveTheSnapshotInForceUntilFixed) {
  const auto other = startAnother();
  const HttpClient otherClient(other->port());
  ASSERT_EQ(putPolicy(kDenyStaff, "valid").status, 200);
  ASSERT_TRUE(becomes(otherClient, "org.staff", "denied"));

  // What an instance with a newer validator might write: a policy naming an unknown client.
  runSqliteSql((directory_ / "control.db").string(),
               "UPDATE oncegate_meta SET value = value + 1 WHERE name = 'version'; INSERT INTO "
               "oncegate_documents VALUES ('policies', 'permit-grant', (SELECT value FROM "
               "oncegate_meta WHERE name = 'version'), 'newer', '2026-01-01T00:00:00Z', '', "
               R"('{"id":"permit-grant","clients":["nobody"],"purposes":["permit"],)"
               R"("allow":["org.*"]}', 0);)");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(fieldStatus(otherClient, "org.staff"), "denied");
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_EQ(readyVersion(otherClient), "2");
  EXPECT_EQ(readyVersion(), "2");

  // A valid change replaces the bad document; both instances move to it.
  ASSERT_EQ(putPolicy(kDenyName, "fixed").status, 200);
  EXPECT_TRUE(becomes(otherClient, "org.name", "denied"));
  EXPECT_TRUE(becomes(*client_, "org.name", "denied"));
  EXPECT_TRUE(reachesVersion(otherClient, "4"));
  EXPECT_TRUE(reachesVersion(*client_, "4"));
  EXPECT_EQ(other->stop(), 0);
  const auto logs = other->logs();
  EXPECT_THAT(logs, HasSubstr("could not catch up, still serving version 2"));
  EXPECT_THAT(logs, HasSubstr("names unknown client 'nobody'"));
}

// A port on which nothing listens: bound, never listened on, then closed.
TEST_F(AdminStoreTest, WithRedisTwoInstancesAreInStepWithinASecondBothWays) {
  // Polled every 30 s, the store cannot explain a change arriving within a second: Redis can.
  restartWithRedis("redis://" + redisAddress() + "/0", "30s");
  const auto other = startAnother();
  const HttpClient otherClient(other->port());
  ASSERT_TRUE(logsSay(*gateway_, "store changes: listening on Redis")) << gateway_->logs();
  ASSERT_TRUE(logsSay(*other, "store changes: listening on Redis")) << other->logs();
  ASSERT_EQ(fieldStatus(otherClient, "org.staff"), "ok");
  ASSERT_EQ(readyVersion(otherClient), "1");

  ASSERT_EQ(putPolicy(kDenyStaff, "through the first").status, 200);
  const auto toSecond = timeUntil(otherClient, "org.staff", "denied", std::chrono::seconds(3));
  ASSERT_TRUE(toSecond.has_value());
  EXPECT_LT(toSecond->count(), 1000);
  EXPECT_EQ(readyVersion(otherClient), "2");
  EXPECT_THAT(otherClient.get("/metrics").body, HasSubstr("\noncegate_config_version 2\n"));

  const auto put = otherClient.send("PUT", "/admin/v1/policies/permit-grant", kDenyName, kOfficer,
                                    {{"X-Change-Comment", "through the second"}});
  ASSERT_EQ(put.status, 200) << put.body;
  const auto toFirst = timeUntil(*client_, "org.name", "denied", std::chrono::seconds(3));
  ASSERT_TRUE(toFirst.has_value());
  EXPECT_LT(toFirst->count(), 1000);
  EXPECT_EQ(fieldStatus("org.staff"), "ok");
  EXPECT_EQ(readyVersion(), "3");
  EXPECT_THAT(client_->get("/metrics").body, HasSubstr("\noncegate_config_version 3\n"));
  EXPECT_EQ(readyVersion(otherClient), "3");

  EXPECT_EQ(gateway_->stop(), 0);
  EXPECT_EQ(other->stop(), 0);
  EXPECT_THAT(gateway_->logs(), HasSubstr("now serving version 3 (was 2)"));
  EXPECT_THAT(other->logs(), HasSubstr("now serving version 2 (was 1)"));
  EXPECT_THAT(gateway_->logs() + other->logs(), Not(HasSubstr("store changes: could not")));
}

TEST_F(AdminStoreTest, WithRedisUnreachableChangesStillSucceedAndArriveByPolling) {
  restartWithRedis("redis://127.0.0.1:" + std::to_string(unusedLoopbackPort()) + "/0", "200ms");
  const auto other = startAnother();
  const HttpClient otherClient(other->port());
  ASSERT_TRUE(logsSay(*other, "store changes: cannot listen on Redis")) << other->logs();

  const auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(putPolicy(kDenyStaff, "without redis").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
  EXPECT_EQ(fieldStatus("org.staff"), "denied");
  EXPECT_TRUE(becomes(otherClient, "org.staff", "denied"));
  EXPECT_EQ(readyVersion(otherClient), "2");

  ASSERT_EQ(putPolicy(kDenyName, "still without redis").status, 200);
  EXPECT_TRUE(becomes(otherClient, "org.name", "denied"));
  const auto put = otherClient.send("PUT", "/admin/v1/policies/permit-grant", kDenyStaff, kOfficer,
                                    {{"X-Change-Comment", "through the second"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(becomes(*client_, "org.staff", "denied"));
  EXPECT_EQ(fieldStatus("org.name"), "ok");
  EXPECT_EQ(readyVersion(), "4");
  EXPECT_THAT(client_->get("/metrics").body, HasSubstr("\noncegate_config_version 4\n"));

  // Reported once per outage, not per change or per reconnect attempt.
  EXPECT_EQ(gateway_->stop(), 0);
  EXPECT_EQ(other->stop(), 0);
  const auto logs = gateway_->logs();
  EXPECT_EQ(occurrences(logs, "store changes: could not publish"), 1) << logs;
  EXPECT_EQ(occurrences(logs, "store changes: cannot listen on Redis"), 1) << logs;
}

}  // namespace
}  // namespace oncegate::testing
