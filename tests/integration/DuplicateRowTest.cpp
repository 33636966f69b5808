// One odd record must not switch a department off for everyone: a subject whose dataset query
// returns two rows (a duplicate key in the department's table) gets its field `unavailable`, as
// often as it is asked, while the source's breaker stays closed and its other subjects keep
// answering ok.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

const std::string kClientKey = "duplicate-it-client-key";
const std::string kDuplicated = "91330100DUPLICATE1";
constexpr int kBreakerFailures = 3;
// Well past the breaker's threshold, so that counting these as failures would open it.
constexpr int kDuplicateRequests = 4 * kBreakerFailures;
constexpr int kOtherSubjects = 8;

std::string otherSubject(int number) {
  char code[19];
  std::snprintf(code, sizeof code, "91330100OK%08d", number);
  return code;
}

class DuplicateRowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string rows = "('" + kDuplicated + "', 'first'), ('" + kDuplicated + "', 'second')";
    for (int i = 0; i < kOtherSubjects; ++i) {
      rows += ", ('" + otherSubject(i) + "', 'R-" + std::to_string(i) + "')";
    }
    runPostgresSql(
        "DROP TABLE IF EXISTS it_duplicate;"
        "CREATE TABLE it_duplicate (credit_code text, rating text);"  // no key: duplicates possible
        "INSERT INTO it_duplicate VALUES " +
        rows + ";");
  }

  void SetUp() override {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\nhash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: credit, department: 信用办, odbc: \"" +
        postgresOdbc() + "\", pool: 1, breaker: { failures: " + std::to_string(kBreakerFailures) +
        ", open_for: 30s } }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: credit.rating\n"
        "    source: credit\n"
        "    subject: org\n"
        "    query: SELECT rating FROM it_duplicate WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.rating, dataset: credit.rating, column: rating }\n"
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [permit-app], purposes: [permit], allow: [\"org.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  TestJson rating(const std::string& code) {
    const auto response =
        client_->post("/v1/resolve",
                      R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + code +
                          R"("},"fields":["org.rating"]})",
                      kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }

  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(DuplicateRowTest, ADuplicatedKeyIsUnavailableEveryTimeWithoutOpeningTheBreaker) {
  for (int i = 0; i < kDuplicateRequests; ++i) {
    EXPECT_EQ(rating(kDuplicated).at("/fields/org.rating/status"), "unavailable")
        << "request " << i;
    // Interleaved: the source's other subjects keep answering between the duplicate's failures.
    const auto other = rating(otherSubject(i % kOtherSubjects));
    EXPECT_EQ(other.at("/fields/org.rating/status"), "ok") << "request " << i;
    EXPECT_EQ(other.at("/fields/org.rating/value"), "R-" + std::to_string(i % kOtherSubjects));
  }
  // Each duplicate request reached the database (a failure is not cached, nothing short-circuited).
  EXPECT_GE(sourceQueries(*client_, "credit"), kDuplicateRequests);
  EXPECT_EQ(metricValue(*client_, R"(oncegate_source_short_circuited_total{source="credit"})"), 0);
  EXPECT_EQ(gateway_->stop(), 0);
  // The duplicated subject is named in no log line (subject identifiers never reach the logs).
  EXPECT_EQ(gateway_->logs().find(kDuplicated), std::string::npos);
}

}  // namespace
}  // namespace oncegate::testing
