// A `postgresql:` source through the real gateway: the same datasets over libpq (on the I/O
// loops) and over ODBC give the same answers, many concurrent requests share the source's few
// connections, a slow query answers `unavailable` by the source's timeout, and the gateway stops
// cleanly with the connections open.

#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

const std::string kClientKey = "postgres-source-it-client-key";
constexpr int kSubjects = 40;
const char* const kColumns[] = {"name", "age",     "big",     "salary", "ratio",
                                "born", "updated", "stamped", "active", "note"};

std::string subject(int number) {
  const auto digits = std::to_string(number);  // number < kSubjects: 8 digits at most
  return "91330100PG" + std::string(8 - digits.size(), '0') + digits;
}

std::string conninfo() {
  const char* port = std::getenv("ONCEGATE_TEST_PG_PORT");
  if (port == nullptr) {
    ADD_FAILURE() << "ONCEGATE_TEST_PG_PORT is not set: run scripts/test-servers.sh env";
    return "host=127.0.0.1 port=1";
  }
  return std::string("host=127.0.0.1 port=") + port + " dbname=oncegate_test user=postgres";
}

// One dataset and its fields on `source`, named after it.
std::string datasetOn(const std::string& source) {
  std::string text =
      "  - id: " + source +
      ".person\n"
      "    source: " +
      source +
      "\n"
      "    subject: org\n"
      "    query: SELECT name, age, big, salary, ratio, born, updated, stamped, active, note\n"
      "           FROM it_pg_person WHERE credit_code = :code\n"
      "    params: { code: subject.credit_code }\n"
      "  - id: " +
      source +
      ".slow\n"
      "    source: " +
      source +
      "\n"
      "    subject: org\n"
      "    query: SELECT 'late' AS late FROM pg_sleep(3) WHERE CAST(:code AS text) IS NOT NULL\n"
      "    params: { code: subject.credit_code }\n";
  return text;
}

std::string fieldsOn(const std::string& source) {
  std::string text;
  for (const char* column : kColumns) {
    text += "  - { id: " + source + "." + column + ", dataset: " + source +
            ".person, column: " + column + " }\n";
  }
  text += "  - { id: " + source + ".late, dataset: " + source + ".slow, column: late }\n";
  return text;
}

class PostgresSourceGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string rows;
    for (int i = 0; i < kSubjects; ++i) {
      if (!rows.empty()) rows += ", ";
      rows += "('" + subject(i) + "', '名" + std::to_string(i) + "', " + std::to_string(i) +
              ", 9007199254740993, 1000." + std::to_string(i % 10) +
              "5, 1.5, '1960-01-01', '2026-01-31 08:00:00.25', '2026-01-31 08:00:00+00', " +
              (i % 2 == 0 ? "true" : "false") + ", " + (i % 3 == 0 ? "NULL" : "'备注'") + ")";
    }
    runPostgresSql(
        "DROP TABLE IF EXISTS it_pg_person;"
        "CREATE TABLE it_pg_person (credit_code text PRIMARY KEY, name text, age integer,"
        " big bigint, salary numeric(12,2), ratio numeric, born date, updated timestamp,"
        " stamped timestamptz, active boolean, note varchar(20));"
        "INSERT INTO it_pg_person VALUES " +
        rows + ";");
  }
  static void TearDownTestSuite() { runPostgresSql("DROP TABLE IF EXISTS it_pg_person;"); }

  void SetUp() override {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl }\nhash_key: " +
        randomHex(40) + "\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: viapq, department: 市场监管局, postgresql: \"" +
        conninfo() +
        "\", pool: 4, timeout: 300ms }\n"
        "  - { id: viaodbc, department: 市场监管局, odbc: \"" +
        postgresOdbc() +
        "\", pool: 2, timeout: 300ms }\n"
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n" +
        datasetOn("viapq") + datasetOn("viaodbc") + "fields:\n" + fieldsOn("viapq") +
        fieldsOn("viaodbc") +
        "clients:\n"
        "  - { id: permit-app, api_key_sha256: " +
        sha256sum(kClientKey) +
        ", purposes: [permit] }\n"
        "policies:\n"
        "  - { id: grant, clients: [permit-app], purposes: [permit], allow: [\"viapq.*\", "
        "\"viaodbc.*\"] }\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  static std::string body(const std::string& code, const std::vector<std::string>& fields) {
    std::string list;
    for (const auto& field : fields) list += (list.empty() ? "\"" : ",\"") + field + "\"";
    return R"({"purpose":"permit","subject":{"type":"org","credit_code":")" + code +
           R"("},"fields":[)" + list + "]}";
  }

  TestJson resolve(const HttpClient& client, const std::string& code,
                   const std::vector<std::string>& fields) {
    const auto response = client.post("/v1/resolve", body(code, fields), kClientKey);
    EXPECT_EQ(response.status, 200) << response.body;
    return TestJson(response.body);
  }

  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(PostgresSourceGatewayTest, AnswersAsTheOdbcSourceDoesForEveryField) {
  std::vector<std::string> fields;
  for (const char* column : kColumns) {
    fields.push_back(std::string("viapq.") + column);
    fields.push_back(std::string("viaodbc.") + column);
  }
  for (int i : {0, 1, 2}) {
    const auto answer = resolve(*client_, subject(i), fields);
    for (const char* column : kColumns) {
      const std::string pq = std::string("/fields/viapq.") + column;
      const std::string odbc = std::string("/fields/viaodbc.") + column;
      EXPECT_EQ(answer.at(pq + "/status"), answer.at(odbc + "/status")) << column;
      EXPECT_EQ(answer.at(pq + "/value"), answer.at(odbc + "/value")) << column;
    }
  }
  const auto answer =
      resolve(*client_, subject(3), {"viapq.salary", "viapq.updated", "viapq.note"});
  EXPECT_EQ(answer.at("/fields/viapq.note/status"), "not_found");  // NULL, as over ODBC
  EXPECT_EQ(answer.at("/fields/viapq.salary/value"), "1000.35");
  EXPECT_EQ(answer.at("/fields/viapq.updated/value"), "2026-01-31T08:00:00.250");
  EXPECT_EQ(gateway_->stop(), 0);
}

TEST_F(PostgresSourceGatewayTest, ManyConcurrentRequestsShareTheSourcesConnections) {
  std::vector<std::future<int>> callers;
  for (int caller = 0; caller < 4; ++caller) {
    callers.push_back(std::async(std::launch::async, [this, caller] {
      HttpClient client(gateway_->port());
      int ok = 0;
      for (int i = caller; i < kSubjects; i += 4) {
        const auto answer = resolve(client, subject(i), {"viapq.age"});
        ok += answer.at("/fields/viapq.age/status") == "ok" &&
              answer.at("/fields/viapq.age/value") == std::to_string(i);
      }
      return ok;
    }));
  }
  int ok = 0;
  for (auto& caller : callers) ok += caller.get();
  EXPECT_EQ(ok, kSubjects);
  EXPECT_EQ(sourceQueries(*client_, "viapq"), kSubjects);
  // pool 4 over 2 loops: at most two connections per loop, each opened once.
  EXPECT_LE(metricValue(*client_, R"(oncegate_source_connects_total{source="viapq"})"), 4);
  EXPECT_EQ(gateway_->stop(), 0);
}

TEST_F(PostgresSourceGatewayTest, ASlowQueryIsUnavailableByTheTimeoutAndTheSourceAnswersAfter) {
  const auto slow = resolve(*client_, subject(5), {"viapq.late", "viapq.name"});
  EXPECT_EQ(slow.at("/fields/viapq.late/status"), "unavailable");
  EXPECT_EQ(slow.at("/fields/viapq.name/status"), "ok");
  EXPECT_EQ(metricValue(*client_, R"(oncegate_source_timeouts_total{source="viapq"})"), 1);
  const auto next = resolve(*client_, subject(6), {"viapq.name"});
  EXPECT_EQ(next.at("/fields/viapq.name/value"), "名6");
  EXPECT_EQ(gateway_->stop(), 0);
}

}  // namespace
}  // namespace oncegate::testing
