// The real binary with its stderr on a pipe that nobody reads (a stalled log collector): request
// threads must not wait for stderr, so the gateway goes on answering, and it still stops.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"

namespace oncegate::testing {
namespace {

const std::string kClientKey = "stalled-stderr-it-key";
const std::string kCompany = "91330110MA2STDERR1";

TEST(StalledStderrTest, TheGatewayAnswersWhileNobodyReadsItsStderr) {
  const std::string database = "/tmp/oncegate-it-stderr-" + randomHex(8) + ".db";
  runSqliteSql(database,
               "CREATE TABLE firm (code TEXT PRIMARY KEY, name TEXT);"
               "INSERT INTO firm VALUES ('" +
                   kCompany + "', '日志测试有限公司');");
  ConfigFiles files;
  files["gateway.yaml"] =
      "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl, durability: strict }\n"
      // 2,000 requests as fast as they go: above the default per-client rate limit.
      "limits: { default_rate_limit: { per_second: 100000 } }\n"
      "hash_key: " +
      randomHex(40) + "\ninclude: [all.yaml]\n";
  files["all.yaml"] =
      "sources:\n"
      "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
      database +
      "\" }\n"
      "subjects:\n"
      "  - { id: org, key: code, pattern: \"^[0-9A-Z]{18}$\" }\n"
      "datasets:\n"
      "  - { id: registry.firm, source: registry, subject: org,\n"
      "      query: \"SELECT name FROM firm WHERE code = :c\", params: { c: subject.code } }\n"
      "fields:\n"
      "  - { id: org.name, dataset: registry.firm, column: name }\n"
      "clients:\n"
      "  - { id: desk-app, api_key_sha256: " +
      sha256sum(kClientKey) +
      ", purposes: [permit] }\n"
      "policies:\n"
      "  - { id: grant, clients: [desk-app], purposes: [permit], allow: [\"org.*\"] }\n";
  // Per-request info lines on: 2,000 of them are several times what a pipe holds.
  GatewayProcess gateway(files, {{"SPDLOG_LEVEL", "info"}}, GatewayProcess::Stderr::UnreadPipe);
  const HttpClient client(gateway.port());
  const std::string body = R"({"purpose":"permit","subject":{"type":"org","code":")" + kCompany +
                           R"("},"fields":["org.name"]})";
  int answered = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto result = client.post("/v1/resolve", body, kClientKey);
    if (result.status != 200) {
      ADD_FAILURE() << "request " << i << " got " << result.status << ": " << result.body;
      break;
    }
    ++answered;
  }
  EXPECT_EQ(answered, 2000);

  // Stopping drains the logs for a bounded time, then exits, stderr still unread.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(gateway.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  std::remove(database.c_str());
}

}  // namespace
}  // namespace oncegate::testing
