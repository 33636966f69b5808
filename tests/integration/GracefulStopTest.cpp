// Stopping the real binary with SIGTERM while it answers: a rolling restart must not lose an
// answer. The request in flight finishes (its slow PostgreSQL query included), requests arriving
// meanwhile are told to come back, and the process exits 0 once nothing is left.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
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

const std::string kClientKey = "graceful-it-client-key";
const std::string kCompany = "91330106MA2KSLOW01";

class GracefulStopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    runPostgresSql(
        "DROP TABLE IF EXISTS it_graceful;"
        "CREATE TABLE it_graceful (credit_code text PRIMARY KEY, licence text);"
        "INSERT INTO it_graceful VALUES ('" +
        kCompany + "', 'L-2026-77');");
  }

  void SetUp() override {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl, durability: strict }\n"
        "limits: { request_timeout: 4s }\nhash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: licences, department: 行政审批局, odbc: \"" +
        postgresOdbc() +
        "\", timeout: 3s }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: licences.slow\n"
        "    source: licences\n"
        "    subject: org\n"
        "    query: SELECT licence, pg_sleep(0.8)::text AS slept FROM it_graceful "
        "WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.licence, dataset: licences.slow, column: licence }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [permit-app], purposes: [permit], allow: [\"org.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
  }

  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(GracefulStopTest, ARequestInFlightAtSigtermIsAnsweredAndAuditedBeforeTheProcessExits) {
  const HttpClient client(gateway_->port());
  auto answer = std::async(std::launch::async, [&client] {
    return client.post("/v1/resolve",
                       R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + kCompany +
                           R"("},"fields":["org.licence"]})",
                       kClientKey);
  });
  // The query sleeps 0.8 s in PostgreSQL: stop while it runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(gateway_->stop(), 0);
  const auto stopped = std::chrono::steady_clock::now() - stopping;

  const auto response = answer.get();
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(TestJson(response.body).at("/fields/org.licence/value"), "L-2026-77");
  EXPECT_EQ(response.headers.at("connection"), "close");
  // It waited for the answer, not for the whole grace period.
  EXPECT_LT(stopped, std::chrono::seconds(3));
  std::ifstream trail(gateway_->directory() / "audit" / "trail.jsonl");
  std::string line, last;
  while (std::getline(trail, line)) last = line;
  EXPECT_THAT(last, HasSubstr(R"("org.licence":"ok")"));
  EXPECT_THAT(gateway_->logs(), HasSubstr("stopping"));
}

}  // namespace
}  // namespace oncegate::testing
