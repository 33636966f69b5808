// The gateway end to end: the real binary over HTTP, with real SQLite (ODBC), real PostgreSQL
// (psqlODBC) and real Redis behind it, on a configuration of its own (organisations, not the
// demo's people) so that the contract, not the demo, is what passes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

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

const std::string kKey = "permit-key-0001";  // sha256 below
const std::string kOtherKey = "other-key-0002";
const std::string kCompany = "91330100MA27XK1234";  // in every department
const std::string kNoTax = "91330100MA27XK5678";    // registered, unknown to tax
const std::string kNullish = "91330100MA27XK9999";  // registered with NULL columns

class GatewayResolveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registryDb_ = "/tmp/oncegate-it-registry-" + randomHex(8) + ".db";
    const std::string sql =
        "CREATE TABLE company (credit_code TEXT PRIMARY KEY, name TEXT, founded DATE, "
        "capital NUMERIC(12,2), staff INTEGER, legal_rep TEXT, phone TEXT, tax_no TEXT, "
        "secret_note TEXT);"
        "INSERT INTO company VALUES ('" +
        kCompany +
        "', '杭州云栖科技有限公司', '2015-06-01', "
        "108618.5, 120, '王小明', '0571-88880000', 'TX001', 'hidden');"
        "INSERT INTO company VALUES ('" +
        kNoTax +
        "', '宁波港口物流有限公司', '2001-01-31', "
        "5000000, 9, '李四', NULL, 'TX404', NULL);"
        "INSERT INTO company VALUES ('" +
        kNullish +
        "', NULL, NULL, NULL, NULL, NULL, NULL, "
        "NULL, NULL);";
    runSqliteSql(registryDb_, sql);
    runPostgresSql(
        "DROP TABLE IF EXISTS it_tax_status, it_tax_detail;"
        "CREATE TABLE it_tax_status (credit_code varchar(18) PRIMARY KEY, grade text, "
        "overdue boolean, last_filed timestamp, paid numeric(14,2));"
        "INSERT INTO it_tax_status VALUES ('" +
        kCompany +
        "', 'A级', false, "
        "'2026-03-31 17:45:10', 1234567.80);"
        "CREATE TABLE it_tax_detail (tax_no text PRIMARY KEY, office text, employees bigint);"
        "INSERT INTO it_tax_detail VALUES ('TX001', '西湖区税务局', 118);"
        "INSERT INTO it_tax_detail VALUES ('TX404', '北仑区税务局', 7);");
  }

  static void TearDownTestSuite() { std::remove(registryDb_.c_str()); }

  // A complete configuration; `redis` false leaves the in-process cache in charge, `local` false
  // sends every lookup to Redis.
  static ConfigFiles config(bool redis, bool local = true) {
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\n"
        "threads: 2\n" +
        (redis ? "redis: redis://" + redisAddress() + "/0\n" : std::string()) +
        "cache: { local: " + (local ? "true" : "false") + ", encryption_keys: [" + randomHex(64) +
        "] }\n" +
        "audit: { path: audit/trail.jsonl, durability: strict }\n"
        "limits: { max_body: 4KiB, max_fields: 20, request_timeout: 1500ms }\n"
        "hash_key: " +
        randomHex(40) +
        "\n"
        "include: [sources.yaml, mappings/*.yaml, access.yaml]\n";
    files["sources.yaml"] =
        "sources:\n"
        "  - { id: registry, department: 市场监督管理局, odbc: \"Driver=SQLite3;Database=" +
        registryDb_ +
        "\", pool: 2 }\n"
        "  - id: tax\n"
        "    department: 税务局\n"
        "    odbc: \"" +
        postgresOdbc() +
        "\"\n"
        "    pool: 3\n"
        "    timeout: 1s\n"
        "  - { id: archive, department: 档案馆, odbc: \"Driver=PostgreSQL "
        "Unicode;Server=127.0.0.1;Port=1;"
        "Database=none;Uid=none\", retry: 5s }\n";
    files["mappings/org.yaml"] =
        "subjects:\n"
        "  - { id: org, key: credit_code, pattern: \"^[0-9A-Z]{18}$\" }\n"
        "datasets:\n"
        "  - id: registry.company\n"
        "    source: registry\n"
        "    subject: org\n"
        "    query: SELECT name, founded, capital, staff, legal_rep, phone, tax_no, secret_note "
        "FROM company WHERE credit_code = :code\n"
        "    params: { code: subject.credit_code }\n"
        "    ttl: 10m\n"
        "  - id: tax.status\n"
        "    source: tax\n"
        "    subject: org\n"
        "    query: SELECT grade, overdue, last_filed, paid FROM it_tax_status WHERE credit_code = "
        ":c\n"
        "    params: { c: subject.credit_code }\n"
        "  - id: tax.detail\n"
        "    source: tax\n"
        "    subject: org\n"
        "    query: SELECT office, employees FROM it_tax_detail WHERE tax_no = :t\n"
        "    params: { t: field.org.tax_no }\n"
        "  - id: archive.record\n"
        "    source: archive\n"
        "    subject: org\n"
        "    query: SELECT shelf FROM record WHERE code = :c\n"
        "    params: { c: subject.credit_code }\n"
        "fields:\n"
        "  - { id: org.name, dataset: registry.company, column: name }\n"
        "  - { id: org.founded, dataset: registry.company, column: founded, type: date }\n"
        "  - { id: org.capital, dataset: registry.company, column: capital, type: decimal, scale: "
        "2 }\n"
        "  - { id: org.staff, dataset: registry.company, column: staff, type: int }\n"
        "  - { id: org.legal_rep, dataset: registry.company, column: legal_rep }\n"
        "  - { id: org.phone, dataset: registry.company, column: phone }\n"
        "  - { id: org.tax_no, dataset: registry.company, column: tax_no, sharing: none }\n"
        "  - { id: org.secret.note, dataset: registry.company, column: secret_note }\n"
        "  - { id: org.tax.grade, dataset: tax.status, column: grade }\n"
        "  - { id: org.tax.overdue, dataset: tax.status, column: overdue, type: bool }\n"
        "  - { id: org.tax.last_filed, dataset: tax.status, column: last_filed, type: datetime }\n"
        "  - { id: org.tax.paid, dataset: tax.status, column: paid, type: decimal }\n"
        "  - { id: org.tax.office, dataset: tax.detail, column: office }\n"
        "  - { id: org.tax.employees, dataset: tax.detail, column: employees, type: int }\n"
        "  - { id: org.archive.shelf, dataset: archive.record, column: shelf }\n"
        "  - { id: org.public_name, dataset: registry.company, column: name, sharing: "
        "unconditional }\n";
    files["access.yaml"] =
        "clients:\n"
        "  - { id: permit-app, department: 商务局, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [permit] }\n"
        "  - { id: other-app, api_key_sha256: " +
        sha256sum(kOtherKey) +
        ", purposes: [other] }\n"
        "policies:\n"
        "  - id: permit-grant\n"
        "    clients: [permit-app]\n"
        "    purposes: [permit]\n"
        "    allow: [\"org.*\"]\n"
        "    deny: [\"org.secret.*\"]\n"
        "    verify_only: [org.phone]\n"
        "    mask: { org.legal_rep: show_first_1 }\n"
        "    valid_until: 2099-12-31\n"
        "    require_case: true\n";
    return files;
  }

  static std::string resolveBody(const std::string& code, const std::vector<std::string>& fields,
                                 const std::string& extra = R"("case":"CASE-1",)") {
    std::string body = "{" + extra +
                       R"("purpose":"permit","subject":{"type":"org","credit_code":")" + code +
                       R"("},"fields":[)";
    for (std::size_t i = 0; i < fields.size(); ++i) body += (i ? ",\"" : "\"") + fields[i] + "\"";
    return body + "]}";
  }

  static std::string redisKeys(const std::string& pattern) {
    const auto address = redisAddress();
    const auto colon = address.rfind(':');
    return commandOutput("redis-cli -h " + address.substr(0, colon) + " -p " +
                         address.substr(colon + 1) + " --scan --pattern '" + pattern + "'");
  }

  static std::string registryDb_;
};

std::string GatewayResolveTest::registryDb_;

const std::vector<std::string> kTwelve = {"org.name",      "org.founded",     "org.capital",
                                          "org.staff",     "org.legal_rep",   "org.public_name",
                                          "org.tax.grade", "org.tax.overdue", "org.tax.last_filed",
                                          "org.tax.paid",  "org.tax.office",  "org.tax.employees"};

TEST_F(GatewayResolveTest, ResolvesTypedValuesFromSqliteAndPostgresWithChainAndMask) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  const auto response = client.post("/v1/resolve", resolveBody(kCompany, kTwelve), kKey);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.name/status"), "ok");
  EXPECT_EQ(json.at("/fields/org.name/value"), "杭州云栖科技有限公司");
  EXPECT_EQ(json.at("/fields/org.name/source"), "registry");
  EXPECT_EQ(json.at("/fields/org.name/cached"), "false");
  EXPECT_EQ(json.at("/fields/org.founded/value"), "2015-06-01");
  EXPECT_EQ(json.at("/fields/org.capital/value"), "108618.50");  // SQLite's double, exact scale
  EXPECT_EQ(json.at("/fields/org.staff/value"), "120");          // a JSON number
  EXPECT_EQ(json.at("/fields/org.legal_rep/value"), "王**");     // show_first_1
  EXPECT_EQ(json.at("/fields/org.tax.grade/value"), "A级");
  EXPECT_EQ(json.at("/fields/org.tax.overdue/value"), "false");
  EXPECT_EQ(json.at("/fields/org.tax.last_filed/value"), "2026-03-31T17:45:10");
  EXPECT_EQ(json.at("/fields/org.tax.paid/value"), "1234567.80");
  EXPECT_EQ(json.at("/fields/org.tax.office/value"), "西湖区税务局");  // chained on org.tax_no
  EXPECT_EQ(json.at("/fields/org.tax.employees/value"), "118");
  EXPECT_EQ(json.at("/fields/org.tax.office/source"), "tax");
  EXPECT_FALSE(response.headers.at("x-request-id").empty());
  EXPECT_EQ(json.at("/request_id"), response.headers.at("x-request-id"));
}

TEST_F(GatewayResolveTest, RunsOneQueryPerDatasetAndServesTheSecondRequestFromRedis) {
  GatewayProcess gateway(config(true, false));
  HttpClient client(gateway.port());
  const std::string registry = R"(oncegate_source_queries_total{source="registry"})";
  const std::string tax = R"(oncegate_source_queries_total{source="tax"})";
  ASSERT_EQ(metricValue(client, registry), 0);
  ASSERT_EQ(metricValue(client, tax), 0);

  // 12 fields over 3 datasets (one of them chained) run exactly 3 queries.
  auto first = client.post("/v1/resolve", resolveBody(kCompany, kTwelve), kKey);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(metricValue(client, registry), 1);
  EXPECT_EQ(metricValue(client, tax), 2);

  auto second = client.post("/v1/resolve", resolveBody(kCompany, kTwelve), kKey);
  ASSERT_EQ(second.status, 200) << second.body;
  TestJson json(second.body);
  for (const auto& field : kTwelve) {
    EXPECT_EQ(json.at("/fields/" + field + "/cached"), "true") << field;
    EXPECT_EQ(json.at("/fields/" + field + "/status"), "ok") << field;
  }
  EXPECT_EQ(json.at("/fields/org.tax.office/value"), "西湖区税务局");
  EXPECT_EQ(metricValue(client, registry), 1) << "the database was asked again";
  EXPECT_EQ(metricValue(client, tax), 2) << "the database was asked again";

  // The rows are in Redis, one entry per dataset row, under keys that do not show the subject.
  const auto keys = redisKeys("og:1:*");
  EXPECT_THAT(keys, HasSubstr("og:1:registry.company:"));
  EXPECT_THAT(keys, HasSubstr("og:1:tax.status:"));
  EXPECT_THAT(keys, HasSubstr("og:1:tax.detail:"));
  EXPECT_THAT(keys, Not(HasSubstr(kCompany)));
  EXPECT_THAT(keys, Not(HasSubstr("TX001")));
}

TEST_F(GatewayResolveTest, LocalTierAnswersRepeatsAndFillsFromRedis) {
  const auto files = config(true);  // both gateways share the hash key, hence the cache keys
  {
    GatewayProcess first(files);
    auto response =
        HttpClient(first.port()).post("/v1/resolve", resolveBody(kCompany, {"org.name"}), kKey);
    EXPECT_EQ(TestJson(response.body).at("/fields/org.name/cached"), "false");
  }
  // A second instance has an empty local tier: its first answer comes from Redis, not the source.
  GatewayProcess second(files);
  HttpClient client(second.port());
  for (int i = 0; i < 2; ++i) {
    auto response = client.post("/v1/resolve", resolveBody(kCompany, {"org.name"}), kKey);
    EXPECT_EQ(TestJson(response.body).at("/fields/org.name/cached"), "true");
  }
  EXPECT_EQ(metricValue(client, R"(oncegate_source_queries_total{source="registry"})"), 0);
}

TEST_F(GatewayResolveTest, InProcessCacheWorksWithoutRedis) {
  GatewayProcess gateway(config(false));
  HttpClient client(gateway.port());
  const std::string registry = R"(oncegate_source_queries_total{source="registry"})";
  for (int i = 0; i < 3; ++i) {
    auto response = client.post("/v1/resolve", resolveBody(kCompany, {"org.name"}), kKey);
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(TestJson(response.body).at("/fields/org.name/cached"), i == 0 ? "false" : "true");
  }
  EXPECT_EQ(metricValue(client, registry), 1);
}

TEST_F(GatewayResolveTest, ReportsNotFoundForMissingRowsNullsAndBrokenChains) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  auto response = client.post(
      "/v1/resolve",
      resolveBody(kNoTax, {"org.name", "org.phone", "org.tax.grade", "org.tax.office"}), kKey);
  ASSERT_EQ(response.status, 200);
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.name/value"), "宁波港口物流有限公司");
  EXPECT_EQ(json.at("/fields/org.tax.grade/status"), "not_found");     // no row in tax
  EXPECT_EQ(json.at("/fields/org.tax.office/value"), "北仑区税务局");  // chain still works

  auto nulls = client.post(
      "/v1/resolve", resolveBody(kNullish, {"org.name", "org.tax.office", "org.capital"}), kKey);
  TestJson nullJson(nulls.body);
  EXPECT_EQ(nullJson.at("/fields/org.name/status"), "not_found");
  EXPECT_EQ(nullJson.at("/fields/org.capital/status"), "not_found");
  EXPECT_EQ(nullJson.at("/fields/org.tax.office/status"), "not_found");  // NULL key: no query

  // A cached not_found answers the same the second time.
  auto again = client.post("/v1/resolve", resolveBody(kNoTax, {"org.tax.grade"}), kKey);
  EXPECT_EQ(TestJson(again.body).at("/fields/org.tax.grade/status"), "not_found");
  EXPECT_EQ(TestJson(again.body).at("/fields/org.tax.grade/cached"), "true");
}

TEST_F(GatewayResolveTest, AppliesPolicyDecisionsFieldByField) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  auto response = client.post(
      "/v1/resolve",
      resolveBody(kCompany, {"org.secret.note", "org.phone", "org.tax_no", "nope", "org.name"}),
      kKey);
  ASSERT_EQ(response.status, 200);
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.secret.note/status"), "denied");
  EXPECT_THAT(json.at("/fields/org.secret.note/reason"), HasSubstr("permit-grant"));
  EXPECT_EQ(json.at("/fields/org.phone/status"), "verify_only");
  EXPECT_EQ(json.at("/fields/org.phone/value"), "<missing>");
  EXPECT_EQ(json.at("/fields/org.tax_no/status"), "denied");  // sharing class none
  EXPECT_EQ(json.at("/fields/org.tax_no/value"), "<missing>");
  EXPECT_EQ(json.at("/fields/nope/status"), "unknown_field");
  EXPECT_EQ(json.at("/fields/org.name/status"), "ok");
  EXPECT_THAT(response.body, Not(HasSubstr("hidden")));
  EXPECT_THAT(response.body, Not(HasSubstr("TX001")));
}

TEST_F(GatewayResolveTest, UnconditionalFieldsNeedNoGrantButConditionalOnesDo) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  const std::string body = R"({"purpose":"other","subject":{"type":"org","credit_code":")" +
                           kCompany + R"("},"fields":["org.public_name","org.name"]})";
  auto response = client.post("/v1/resolve", body, kOtherKey);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.public_name/value"), "杭州云栖科技有限公司");
  EXPECT_EQ(json.at("/fields/org.name/status"), "denied");
  EXPECT_EQ(json.at("/fields/org.name/reason"), "no grant for other-app/other");
}

TEST_F(GatewayResolveTest, VerifiesClaimsOnlyWhereNoMaskHidesTheValue) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  const std::string body =
      R"({"purpose":"permit","case":"C-9","subject":{"type":"org","credit_code":")" + kCompany +
      R"("},"claims":{"org.phone":"0571-88880000","org.legal_rep":"王小明",)"
      R"("org.staff":121,"org.secret.note":"hidden","org.zzz":"x"}})";
  auto response = client.post("/v1/verify", body, kKey);
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.phone/match"), "true");  // verify-only field
  // A masked field is not verifiable: guesses would recover what the mask hides (issue 9).
  EXPECT_EQ(json.at("/fields/org.legal_rep/status"), "denied");
  EXPECT_EQ(json.at("/fields/org.legal_rep/match"), "<missing>");
  EXPECT_EQ(json.at("/fields/org.staff/match"), "false");
  EXPECT_EQ(json.at("/fields/org.secret.note/status"), "denied");
  EXPECT_EQ(json.at("/fields/org.secret.note/match"), "<missing>");
  EXPECT_EQ(json.at("/fields/org.zzz/status"), "unknown_field");
  EXPECT_THAT(response.body, Not(HasSubstr("0571")));
}

TEST_F(GatewayResolveTest, DeadSourceIsUnavailableWhileOthersAnswer) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  const auto started = std::chrono::steady_clock::now();
  auto response =
      client.post("/v1/resolve", resolveBody(kCompany, {"org.archive.shelf", "org.name"}), kKey);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200);
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/org.archive.shelf/status"), "unavailable");
  EXPECT_EQ(json.at("/fields/org.name/status"), "ok");
  // Within the request budget (1500ms) plus slack for a loaded 2-core machine.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(GatewayResolveTest, ServesTheOpenApiDescriptionItWasBuiltWith) {
  GatewayProcess gateway(config(false));
  const auto response = HttpClient(gateway.port()).get("/openapi.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  std::ifstream file(std::string(ONCEGATE_SOURCE_DIR) + "/api/openapi.json");
  const std::string expected((std::istreambuf_iterator<char>(file)), {});
  EXPECT_EQ(response.body, expected);
  EXPECT_EQ(TestJson(response.body).at("/info/version"), "1");
}

TEST_F(GatewayResolveTest, RejectsBadRequestsWithClearErrors) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  const auto fields = std::vector<std::string>{"org.name"};
  struct Case {
    std::string name;
    HttpResult result;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"no key", client.post("/v1/resolve", resolveBody(kCompany, fields)), 401, "unauthenticated"},
      {"bad key", client.post("/v1/resolve", resolveBody(kCompany, fields), "nope"), 401,
       "unauthenticated"},
      {"purpose", client.post("/v1/resolve", resolveBody(kCompany, fields), kOtherKey), 403,
       "forbidden"},
      {"no case", client.post("/v1/resolve", resolveBody(kCompany, fields, ""), kKey), 403,
       "forbidden"},
      {"pattern", client.post("/v1/resolve", resolveBody("123", fields), kKey), 400, "bad_request"},
      {"injection", client.post("/v1/resolve", resolveBody("' OR 1=1 --", fields), kKey), 400,
       "bad_request"},
      {"malformed", client.post("/v1/resolve", "{\"purpose\":", kKey), 400, "bad_request"},
      {"not object", client.post("/v1/resolve", "[1,2]", kKey), 400, "bad_request"},
      {"unknown key", client.post("/v1/resolve", R"({"purpose":"permit","x":1})", kKey), 400,
       "bad_request"},
      {"subject type",
       client.post(
           "/v1/resolve",
           R"({"purpose":"permit","case":"c","subject":{"type":"ship","id":"1"},"fields":[]})",
           kKey),
       400, "bad_request"},
      {"too large", client.post("/v1/resolve", std::string(8000, ' '), kKey), 413,
       "payload_too_large"},
      {"route", client.get("/v1/nothing"), 404, "not_found"},
      {"method", client.get("/v1/resolve"), 405, "method_not_allowed"},
  };
  std::vector<std::string> many(21, "org.name");
  cases.push_back({"max fields", client.post("/v1/resolve", resolveBody(kCompany, many), kKey), 400,
                   "bad_request"});
  for (const auto& c : cases) {
    EXPECT_EQ(c.result.status, c.status) << c.name << ": " << c.result.body;
    if (c.result.status == 0) continue;
    TestJson json(c.result.body);
    EXPECT_EQ(json.at("/error"), c.code) << c.name;
    EXPECT_NE(json.at("/message"), "<missing>") << c.name;
    EXPECT_EQ(json.at("/request_id"), c.result.headers.at("x-request-id")) << c.name;
  }
  EXPECT_EQ(metricValue(client, R"(oncegate_source_queries_total{source="registry"})"), 0)
      << "a rejected request must not reach a database";
}

TEST_F(GatewayResolveTest, AuditsEveryRequestAndKeepsSubjectsOutOfTheLog) {
  GatewayProcess gateway(config(true));
  HttpClient client(gateway.port());
  ASSERT_EQ(client.post("/v1/resolve", resolveBody(kCompany, {"org.name", "org.secret.note"}), kKey)
                .status,
            200);
  ASSERT_EQ(client.post("/v1/resolve", resolveBody(kCompany, {"org.name"}), "wrong").status, 401);
  EXPECT_EQ(gateway.stop(), 0);  // request lines are buffered, refusals counted: stopping writes
  std::ifstream in(gateway.directory() / "audit" / "trail.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2U);
  TestJson first(lines[0]);
  EXPECT_EQ(first.at("/client"), "permit-app");
  EXPECT_EQ(first.at("/purpose"), "permit");
  EXPECT_EQ(first.at("/case"), "CASE-1");
  EXPECT_EQ(first.at("/subject/credit_code"), kCompany);
  EXPECT_EQ(first.at("/fields/org.name"), "ok");
  EXPECT_EQ(first.at("/fields/org.secret.note"), "denied");
  EXPECT_EQ(first.at("/datasets/0/id"), "registry.company");
  EXPECT_EQ(first.at("/datasets/0/from"), "source");
  EXPECT_EQ(first.at("/prev"), std::string(64, '0'));
  // The refusal without a valid key: counted, without the subject it named.
  TestJson second(lines[1]);
  EXPECT_EQ(second.at("/event"), "unauthenticated_refusals");
  EXPECT_EQ(second.at("/count"), "1");
  EXPECT_EQ(second.at("/routes/~1v1~1resolve"), "1");
  EXPECT_THAT(lines[1], Not(HasSubstr(kCompany)));
  EXPECT_EQ(second.at("/prev").size(), 64U);
  EXPECT_NE(second.at("/prev"), std::string(64, '0'));
  const auto logs = gateway.logs();
  EXPECT_THAT(logs, HasSubstr("client=permit-app status=200"));
  EXPECT_THAT(logs, Not(HasSubstr(kCompany)));
  EXPECT_THAT(logs, Not(HasSubstr("杭州")));
}

TEST_F(GatewayResolveTest, RefusesToStartOnAnInvalidConfiguration) {
  auto files = config(false);
  files["mappings/org.yaml"] += "  - { id: org.ghost, dataset: no.such.dataset, column: x }\n";
  auto [code, text] = GatewayProcess::runToExit(files);
  EXPECT_NE(code, 0);
  EXPECT_THAT(text, HasSubstr("org.yaml:"));
  EXPECT_THAT(text, HasSubstr("no.such.dataset"));

  files = config(false);
  const auto line =
      std::count(files["gateway.yaml"].begin(), files["gateway.yaml"].end(), '\n') + 1;
  files["gateway.yaml"] += "surprise: 1\n";
  std::tie(code, text) = GatewayProcess::runToExit(files);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(text, HasSubstr("gateway.yaml:" + std::to_string(line) + ": unknown key 'surprise'"));
}

}  // namespace
}  // namespace oncegate::testing

namespace oncegate::testing {
namespace {

TEST_F(GatewayResolveTest, ServesNoDataItCannotAudit) {
  auto files = config(true);
  auto& gatewayYaml = files["gateway.yaml"];
  const std::string trail = "path: audit/trail.jsonl";
  gatewayYaml.replace(gatewayYaml.find(trail), trail.size(), "path: /dev/full");  // a full disk
  GatewayProcess gateway(files);
  HttpClient client(gateway.port());
  const auto response = client.post("/v1/resolve", resolveBody(kCompany, {"org.name"}), kKey);
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_EQ(TestJson(response.body).at("/error"), "overloaded");
  EXPECT_EQ(response.headers.at("retry-after"), "1");
  EXPECT_THAT(response.body, Not(HasSubstr("杭州")));
  // A refusal serves nothing, so it is still answered.
  EXPECT_EQ(client.post("/v1/resolve", resolveBody(kCompany, {"org.name"}), "wrong").status, 401);
  // And the instance tells its load balancer that it is not ready.
  const auto ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(TestJson(ready.body).at("/status"), "not_ready");
  EXPECT_EQ(client.get("/healthz").status, 200);
}

}  // namespace
}  // namespace oncegate::testing
