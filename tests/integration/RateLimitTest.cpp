// Per-client rate limits on the real binary: a client over its `rate_limit` gets 429 with
// Retry-After, other clients are not affected, and a limit changed through the admin plane
// applies to the next request without handing out a fresh burst.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;

const std::string kBatchKey = "rate-it-batch-key";
const std::string kDeskKey = "rate-it-desk-key";
const std::string kOfficer = "rate-it-officer-token";
const std::string kCompany = "91330110MA2RATE001";

class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-rate-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE firm (code TEXT PRIMARY KEY, name TEXT);"
                 "INSERT INTO firm VALUES ('" +
                     kCompany + "', '限流测试有限公司');");
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\n"
        "limits: { default_rate_limit: { per_second: 1000000, burst: 1000 } }\n"
        "hash_key: " +
        randomHex(40) +
        "\nadmin:\n  tokens:\n"
        "    - { name: sec-qian, role: security_officer, token_sha256: " +
        sha256sum(kOfficer) + " }\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - { id: registry.firm, source: registry, subject: org,\n"
        "      query: \"SELECT name FROM firm WHERE code = :c\", params: { c: subject.code } }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.firm, column: name }\n"
        "clients:\n"
        "  - { id: batch-app, api_key_sha256: " +
        sha256sum(kBatchKey) +
        ", purposes: [permit],\n"
        "      rate_limit: { per_second: 0.01, burst: 3 } }\n"
        "  - { id: desk-app, api_key_sha256: " +
        sha256sum(kDeskKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [batch-app, desk-app], purposes: [permit], allow: [\"org.*\"] "
        "}\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
  }

  HttpResult resolve(const std::string& key) {
    return client_->post("/v1/resolve",
                         R"({"purpose":"permit","subject":{"type":"org","code":")" + kCompany +
                             R"("},"fields":["org.name"]})",
                         key);
  }

  std::string database_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RateLimitTest, AClientOverItsLimitGets429WithRetryAfterAndOthersAreServed) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(resolve(kBatchKey).status, 200) << "request " << i;
  const auto refused = resolve(kBatchKey);
  ASSERT_EQ(refused.status, 429) << refused.body;
  TestJson body(refused.body);
  EXPECT_EQ(body.at("/error"), "rate_limited");
  EXPECT_THAT(body.at("/message"), HasSubstr("batch-app"));
  // One request every 100 s: the next token is 100 s away.
  EXPECT_EQ(refused.headers.at("retry-after"), "100");
  EXPECT_EQ(body.at("/request_id"), refused.headers.at("x-request-id"));
  // The catalog counts against the same limit; another client is not affected.
  EXPECT_EQ(client_->get("/v1/catalog", kBatchKey).status, 429);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(resolve(kDeskKey).status, 200);
  EXPECT_EQ(metricValue(*client_, "oncegate_rate_limited_total"), 2);
  // A wrong key is refused as unauthenticated before any limit is looked at.
  EXPECT_EQ(resolve("not-a-key").status, 401);
}

TEST_F(RateLimitTest, ALimitChangedThroughTheAdminPlaneAppliesToTheNextRequest) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(resolve(kBatchKey).status, 200);
  ASSERT_EQ(resolve(kBatchKey).status, 429);
  const auto raised =
      client_->send("PUT", "/admin/v1/clients/batch-app",
                    R"({"id":"batch-app","api_key_sha256":")" + sha256sum(kBatchKey) +
                        R"(","purposes":["permit"],"rate_limit":{"per_second":0.01,"burst":5}})",
                    kOfficer);
  ASSERT_EQ(raised.status, 200) << raised.body;
  // The three requests already spent still count: two more fit under a burst of five.
  EXPECT_EQ(resolve(kBatchKey).status, 200);
  EXPECT_EQ(resolve(kBatchKey).status, 200);
  EXPECT_EQ(resolve(kBatchKey).status, 429);

  const auto lifted = client_->send("PUT", "/admin/v1/clients/batch-app",
                                    R"({"id":"batch-app","api_key_sha256":")" +
                                        sha256sum(kBatchKey) + R"(","purposes":["permit"]})",
                                    kOfficer);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  // Without a limit of its own the client is held to limits.default_rate_limit (issue 9): like
  // any changed limit, its bucket starts empty under it (spent requests stay spent) and refills
  // one request a microsecond, faster than requests can follow each other.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (resolve(kBatchKey).status == 429 && std::chrono::steady_clock::now() < deadline) {
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(resolve(kBatchKey).status, 200);
  // A malformed limit is refused with its line, and the limit in force stays.
  const auto bad = client_->send("PUT", "/admin/v1/clients/batch-app",
                                 R"({"id":"batch-app","api_key_sha256":")" + sha256sum(kBatchKey) +
                                     R"(","purposes":["permit"],"rate_limit":{"per_second":0}})",
                                 kOfficer);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_THAT(TestJson(bad.body).at("/problems/0"), HasSubstr("per_second"));
}

}  // namespace
}  // namespace oncegate::testing
