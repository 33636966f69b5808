// /metrics and /readyz on the real binary: the scrape passes `promtool check metrics`, carries
// the series operators alert on (requests by route and status, field outcomes, cache hits and
// misses per tier and dataset, source query durations, audit writes), never a subject; and a
// dead source is named by /readyz while the instance stays ready for the rest.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKey = "metrics-it-key";
const std::string kCompany = "91330110MA2METR001";

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-metrics-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE licence (code TEXT PRIMARY KEY, holder TEXT, grade TEXT);"
                 "INSERT INTO licence VALUES ('" +
                     kCompany + "', '指标测试有限公司', 'A');");
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\n"
        "hash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: licensing, department: 商务局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        // A driver that does not exist: every connect fails, the source is down.
        "  - { id: archive, department: 档案局, odbc: \"Driver=NoSuchOdbcDriver;Database=x\",\n"
        "      retry: 50ms }\n"
        "subjects:\n"
        "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - { id: licensing.licence, source: licensing, subject: org,\n"
        "      query: \"SELECT holder, grade FROM licence WHERE code = :c\",\n"
        "      params: { c: subject.code } }\n"
        "  - { id: archive.file, source: archive, subject: org,\n"
        "      query: \"SELECT box FROM files WHERE code = :c\", params: { c: subject.code } }\n"
        "fields:\n"
        "  - { id: org.holder, dataset: licensing.licence, column: holder }\n"
        "  - { id: org.grade, dataset: licensing.licence, column: grade }\n"
        "  - { id: org.box, dataset: archive.file, column: box }\n"
        "clients:\n"
        "  - { id: permit-desk, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [permit-desk], purposes: [permit],\n"
        "      allow: [org.holder, org.box], deny: [org.grade] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
  }

  HttpResult resolve(const std::string& fields, const std::string& key = kKey) {
    return client_->post("/v1/resolve",
                         R"({"purpose":"permit","subject":{"type":"org","code":")" + kCompany +
                             R"("},"fields":[)" + fields + "]}",
                         key);
  }

  std::string database_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MetricsTest, TheScrapePassesPromtoolAndCountsWhatHappened) {
  ASSERT_EQ(resolve(R"("org.holder","org.grade")").status, 200);  // a miss, then
  ASSERT_EQ(resolve(R"("org.holder")").status, 200);              // a hit
  ASSERT_EQ(resolve(R"("org.holder")", "wrong-key").status, 401);
  ASSERT_EQ(client_->get("/v1/nothing-here").status, 404);

  const auto scrape = client_->get("/metrics");
  ASSERT_EQ(scrape.status, 200);
  const std::string file = gateway_->directory() / "scrape.txt";
  std::ofstream(file) << scrape.body;
  const auto verdict = commandOutput("promtool check metrics < '" + file + "' 2>&1; echo exit=$?");
  EXPECT_EQ(verdict, "exit=0\n") << scrape.body;

  const auto& body = scrape.body;
  EXPECT_THAT(body, HasSubstr("# HELP oncegate_requests_total "));
  EXPECT_EQ(metricValue(*client_, R"(oncegate_requests_total{route="/v1/resolve",status="200"})"),
            2);
  EXPECT_EQ(metricValue(*client_, R"(oncegate_requests_total{route="/v1/resolve",status="401"})"),
            1);
  // A path nobody routes is never a label of its own.
  EXPECT_EQ(metricValue(*client_, R"(oncegate_requests_total{route="other",status="404"})"), 1);
  EXPECT_THAT(body, Not(HasSubstr("nothing-here")));
  EXPECT_EQ(metricValue(*client_, R"(oncegate_field_outcomes_total{status="ok"})"), 2);
  EXPECT_EQ(metricValue(*client_, R"(oncegate_field_outcomes_total{status="denied"})"), 1);
  EXPECT_EQ(
      metricValue(*client_,
                  R"(oncegate_cache_misses_total{tier="memory",dataset="licensing.licence"})"),
      1);
  EXPECT_EQ(metricValue(*client_,
                        R"(oncegate_cache_hits_total{tier="memory",dataset="licensing.licence"})"),
            1);
  EXPECT_EQ(
      metricValue(*client_, R"(oncegate_source_query_duration_seconds_count{source="licensing"})"),
      1);
  // The two answers; the 401 is counted per address and written when its interval ends.
  EXPECT_GE(metricValue(*client_, "oncegate_audit_records_written_total"), 2);
  // What the listener shed: nothing here, but the series exist from the start.
  EXPECT_EQ(metricValue(*client_, "oncegate_connections_refused_total"), 0);
  EXPECT_EQ(metricValue(*client_, "oncegate_requests_shed_total"), 0);
  EXPECT_EQ(metricValue(*client_, "oncegate_accept_errors_total"), 0);
  EXPECT_GE(metricValue(*client_, "oncegate_connections_open"), 1);
  EXPECT_THAT(body, HasSubstr("oncegate_request_duration_seconds_bucket{route=\"/v1/resolve\""));
  // Never a subject, never a value.
  EXPECT_THAT(body, Not(HasSubstr(kCompany)));
  EXPECT_THAT(body, Not(HasSubstr("指标测试")));
}

TEST_F(MetricsTest, ADeadSourceIsNamedByReadyzWhileTheInstanceStaysReady) {
  // Asking the dead source's field finds it down; the other fields are still answered.
  const auto answer = resolve(R"("org.holder","org.box")");
  ASSERT_EQ(answer.status, 200);
  EXPECT_THAT(answer.body, HasSubstr(R"("org.box":{"status":"unavailable")"));
  EXPECT_THAT(answer.body, HasSubstr(R"("org.holder":{"status":"ok")"));

  const auto ready = client_->get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_THAT(ready.body, HasSubstr(R"("status":"ready")"));
  EXPECT_THAT(ready.body, HasSubstr(R"("degraded_sources":[{"source":"archive","state":"down"}])"));
  EXPECT_EQ(metricValue(*client_, R"(oncegate_source_down{source="archive"})"), 1);
  EXPECT_EQ(metricValue(*client_, R"(oncegate_source_down{source="licensing"})"), 0);
}

}  // namespace
}  // namespace oncegate::testing
