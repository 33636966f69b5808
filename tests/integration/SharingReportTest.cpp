// The sharing report end to end: a real gateway serves prefills and resolves (some fields
// denied, not found, unknown; some rows from the cache), then the reform office reads the report
// by every grouping through the admin API (JSON and CSV) and through oncegatectl, once computed
// from the gateway's own trail and once (a second gateway, shipping to PostgreSQL) from the
// central audit record. Every number is checked exactly.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "OncegatectlRun.h"
#include "PostgresTestDatabase.h"
#include "TestCommands.h"
#include "TestJson.h"
#include "TestServers.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;

const std::string kBoth = "110101199003070019";         // in both sources
const std::string kPensionOnly = "110101198505050026";  // no household row
const std::string kBureauKey = "sharing-it-bureau-key-0001";
const std::string kCountyKey = "sharing-it-county-key-0002";
const std::string kReform = "sharing-it-reform-token-03";
const std::string kDba = "sharing-it-dba-token-04";

std::string utcDate(std::chrono::system_clock::time_point at) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(at)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

// The JSON of one group (or of the totals), from "requests" to "documents_spared" (the
// documents list follows).
std::string counts(int requests, int asked, int served, int cached, int denied, int notFound,
                   int unknown, int formFields, const std::string& rate, int spared) {
  return R"("requests":)" + std::to_string(requests) + R"(,"fields_asked":)" +
         std::to_string(asked) + R"(,"fields_served":)" + std::to_string(served) +
         R"(,"served_from_cache":)" + std::to_string(cached) + R"(,"denied":)" +
         std::to_string(denied) + R"(,"not_found":)" + std::to_string(notFound) +
         R"(,"unavailable":0,"verify_only":0,"unknown_field":)" + std::to_string(unknown) +
         R"(,"form_fields":)" + std::to_string(formFields) + R"(,"sharing_rate":)" + rate +
         R"(,"documents_spared":)" + std::to_string(spared);
}

class SharingReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-it-sharing-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = made;
    const auto pensions = (directory_ / "pensions.db").string();
    const auto registry = (directory_ / "registry.db").string();
    runSqliteSql(pensions,
                 "CREATE TABLE person (id_no TEXT PRIMARY KEY, name TEXT, birth TEXT, note TEXT); "
                 "INSERT INTO person VALUES ('" +
                     kBoth + "', '王小明', '1990-03-07', 'x'), ('" + kPensionOnly +
                     "', '李红', '1985-05-05', 'y');");
    runSqliteSql(registry,
                 "CREATE TABLE household (id_no TEXT PRIMARY KEY, address TEXT); "
                 "INSERT INTO household VALUES ('" +
                     kBoth + "', '北京市东城区');");
    files_["config.yaml"] =
        "sources:\n"
        "  - { id: pensions, department: 社保中心, odbc: \"Driver=SQLite3;Database=" +
        pensions +
        "\" }\n"
        "  - { id: registry, department: 户籍中心, odbc: \"Driver=SQLite3;Database=" +
        registry +
        "\" }\n"
        "subjects:\n"
        "  - { id: resident, key: id_no, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: pen.person, source: pensions, subject: resident, ttl: 1h, not_found_ttl: 1h,\n"
        "      query: \"SELECT name, birth, note FROM person WHERE id_no = :id\",\n"
        "      params: { id: subject.id_no } }\n"
        "  - { id: reg.household, source: registry, subject: resident, ttl: 1h,\n"
        "      not_found_ttl: 1h, query: \"SELECT address FROM household WHERE id_no = :id\",\n"
        "      params: { id: subject.id_no } }\n"
        "fields:\n"
        "  - { id: pen.name, dataset: pen.person, column: name }\n"
        "  - { id: pen.birth, dataset: pen.person, column: birth }\n"
        "  - { id: pen.note, dataset: pen.person, column: note }\n"
        "  - { id: reg.address, dataset: reg.household, column: address }\n"
        "forms:\n"
        "  - id: allowance\n"
        "    title: 津贴申领\n"
        "    purpose: allowance\n"
        "    subject: resident\n"
        "    fields:\n"
        "      - { id: pen.name, replaces: 身份证复印件 }\n"
        "      - { id: pen.birth, replaces: 身份证复印件 }\n"
        "      - { id: reg.address, replaces: 户口簿 }\n"
        "      - { id: applicant.note, supplied_by: applicant }\n"
        "clients:\n"
        "  - { id: bureau-app, department: 民政局, api_key_sha256: " +
        sha256sum(kBureauKey) +
        ", purposes: [allowance] }\n"
        "  - { id: county-app, department: 县政府, api_key_sha256: " +
        sha256sum(kCountyKey) +
        ", purposes: [allowance] }\n"
        "policies:\n"
        "  - { id: allowance, clients: [bureau-app, county-app], purposes: [allowance],\n"
        "      allow: [pen.name, pen.birth, reg.address] }\n";
    hashKey_ = randomHex(40);
  }

  void TearDown() override {
    gateway_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // A gateway on this configuration; with `store`, shipping its trail there.
  void start(const std::string& store) {
    files_["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\nhash_key: " + hashKey_ +
        "\naudit: { path: audit/trail.jsonl" +
        (store.empty() ? std::string() : ", store: \"" + store + "\", instance: sharing-it") +
        " }\nadmin:\n  tokens:\n"
        "    - { name: reform-chen, role: reform_office, token_sha256: " +
        sha256sum(kReform) +
        " }\n"
        "    - { name: dba-wang, role: dba, token_sha256: " +
        sha256sum(kDba) + " }\ninclude: [config.yaml]\n";
    gateway_ = std::make_unique<GatewayProcess>(files_);
  }

  // Four data requests answered 200 and two refused; see the expected numbers below.
  void makeRequests() const {
    const HttpClient client(gateway_->port());
    const auto prefill = [&](const std::string& id, const std::string& key) {
      const auto answer = client.post(
          "/v1/forms/allowance/prefill",
          R"({"case":"JT-1","subject":{"type":"resident","id_no":")" + id + R"("}})", key);
      ASSERT_EQ(answer.status, 200) << answer.body;
    };
    prefill(kBoth, kBureauKey);         // 3 served from the sources: both documents spared
    prefill(kBoth, kBureauKey);         // 3 served from the cache: both documents spared
    prefill(kPensionOnly, kCountyKey);  // address not found: 身份证复印件 only
    const auto resolved = client.post(
        "/v1/resolve",
        R"({"purpose":"allowance","case":"JT-2","subject":{"type":"resident","id_no":")" + kBoth +
            R"("},"fields":["pen.name","pen.note","no.such"]})",
        kCountyKey);
    ASSERT_EQ(resolved.status, 200) << resolved.body;
    // Not counted: a wrong key (401) and a purpose the client may not use (403).
    EXPECT_EQ(client.post("/v1/resolve", "{}", "not-a-key").status, 401);
    EXPECT_EQ(client
                  .post("/v1/resolve",
                        R"({"purpose":"other","subject":{"type":"resident","id_no":")" + kBoth +
                            R"("},"fields":["pen.name"]})",
                        kCountyKey)
                  .status,
              403);
  }

  std::string query(const std::string& extra) const {
    const auto now = std::chrono::system_clock::now();
    return "from=" + utcDate(now - std::chrono::hours(24)) +
           "&to=" + utcDate(now + std::chrono::hours(48)) + extra;
  }

  HttpResult report(const std::string& extra, const std::string& token = kReform) const {
    return HttpClient(gateway_->port()).get("/admin/v1/reports/sharing?" + query(extra), token);
  }

  CtlRun ctlReport(const std::vector<std::string>& more) const {
    const auto now = std::chrono::system_clock::now();
    std::vector<std::string> args = {"report",
                                     "--config",
                                     gateway_->directory().string(),
                                     "--from",
                                     utcDate(now - std::chrono::hours(24)),
                                     "--to",
                                     utcDate(now + std::chrono::hours(48))};
    args.insert(args.end(), more.begin(), more.end());
    return runCtl(args);
  }

  // Every number of every grouping, as the requests above make them.
  void checkReport(const std::string& computedFrom) const {
    const auto byForm = report("&by=form");
    ASSERT_EQ(byForm.status, 200) << byForm.body;
    const auto& body = byForm.body;
    EXPECT_THAT(body, HasSubstr(R"("by":"form","interval":"day","computed_from":")" + computedFrom +
                                R"(","groups":[)"));
    EXPECT_THAT(body, HasSubstr(R"({"key":"allowance","label":"津贴申领",)" +
                                counts(3, 9, 8, 3, 0, 1, 0, 12, "0.667", 5) +
                                R"(,"documents":[{"document":"户口簿","spared":2},)"
                                R"({"document":"身份证复印件","spared":3}]})"));
    EXPECT_THAT(body,
                HasSubstr(R"x({"key":null,"label":"(none)",)x" +
                          counts(1, 3, 1, 1, 1, 0, 1, 3, "0.333", 0) + R"(,"documents":[]})"));
    EXPECT_THAT(body, HasSubstr(R"("totals":{)" + counts(4, 12, 9, 4, 1, 1, 1, 15, "0.6", 5)));
    // Two queries per source (the first prefill of each subject); the rest came from the cache.
    const TestJson json(body);
    EXPECT_EQ(json.at("/sources/0/source"), "pensions");
    EXPECT_EQ(json.at("/sources/0/queries"), "2");
    EXPECT_EQ(json.at("/sources/1/source"), "registry");
    EXPECT_EQ(json.at("/sources/1/queries"), "2");
    EXPECT_GT(std::stod(json.at("/sources/0/max_ms")), 0.0);
    std::int64_t seriesRequests = 0;
    for (const auto bucket : simdjson::dom::array(json.root()["series"])) {
      seriesRequests += std::int64_t(bucket["requests"]);
    }
    EXPECT_EQ(seriesRequests, 4);

    const auto byDepartment = report("&by=department").body;
    EXPECT_THAT(byDepartment, HasSubstr(R"({"key":"县政府","label":"县政府",)" +
                                        counts(2, 6, 3, 1, 1, 1, 1, 7, "0.429", 1)));
    EXPECT_THAT(byDepartment, HasSubstr(R"({"key":"民政局","label":"民政局",)" +
                                        counts(2, 6, 6, 3, 0, 0, 0, 8, "0.75", 4)));
    const auto byClient = report("&by=client").body;
    EXPECT_THAT(byClient, HasSubstr(R"({"key":"bureau-app","label":"bureau-app",)" +
                                    counts(2, 6, 6, 3, 0, 0, 0, 8, "0.75", 4)));
    EXPECT_THAT(byClient, HasSubstr(R"({"key":"county-app","label":"county-app",)" +
                                    counts(2, 6, 3, 1, 1, 1, 1, 7, "0.429", 1)));
    const auto bySource = report("&by=source").body;
    EXPECT_THAT(bySource, HasSubstr(R"({"key":"pensions","label":"pensions",)" +
                                    counts(4, 8, 7, 3, 1, 0, 0, 8, "0.875", 3)));
    EXPECT_THAT(bySource, HasSubstr(R"({"key":"registry","label":"registry",)" +
                                    counts(3, 3, 2, 1, 0, 1, 0, 3, "0.667", 2)));
    // The applicant's entries of the three prefills, and the unknown field.
    EXPECT_THAT(bySource, HasSubstr(R"x({"key":null,"label":"(none)",)x" +
                                    counts(4, 1, 0, 0, 0, 0, 1, 4, "0", 0)));
    const auto byField = report("&by=field").body;
    EXPECT_THAT(byField, HasSubstr(R"({"key":"pen.name","label":"pen.name",)" +
                                   counts(4, 4, 4, 2, 0, 0, 0, 4, "1", 0)));
    EXPECT_THAT(byField, HasSubstr(R"({"key":"pen.note","label":"pen.note",)" +
                                   counts(1, 1, 0, 0, 1, 0, 0, 1, "0", 0)));
    EXPECT_THAT(byField, HasSubstr(R"({"key":"reg.address","label":"reg.address",)" +
                                   counts(3, 3, 2, 1, 0, 1, 0, 3, "0.667", 2)));
    // 身份证复印件 is named by two fields: it belongs to neither.
    EXPECT_THAT(byField, HasSubstr(R"x({"key":null,"label":"(none)",)x" +
                                   counts(3, 0, 0, 0, 0, 0, 0, 3, "0", 3)));

    const auto csv = report("&by=form&format=csv");
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.headers.at("content-type"), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body,
              "key,label,requests,fields_asked,fields_served,served_from_cache,denied,not_found,"
              "unavailable,verify_only,unknown_field,form_fields,sharing_rate,documents_spared\r\n"
              "allowance,津贴申领,3,9,8,3,0,1,0,0,0,12,0.667,5\r\n"
              ",(none),1,3,1,1,1,0,0,0,1,3,0.333,0\r\n"
              "total,total,4,12,9,4,1,1,0,0,1,15,0.6,5\r\n");

    // The same document from the shell, made by the same code.
    for (const auto* by : {"form", "source"}) {
      const auto ctl = ctlReport({"--by", by});
      ASSERT_EQ(ctl.status, 0) << ctl.err;
      auto api = report(std::string("&by=") + by).body;
      const auto id = api.find(R"("request_id":")");
      ASSERT_NE(id, std::string::npos);
      api.erase(id, api.find(',', id) + 1 - id);
      EXPECT_EQ(ctl.out, api + "\n");
    }
    const auto ctlCsv = ctlReport({"--format", "csv"});
    EXPECT_EQ(ctlCsv.out, csv.body);
  }

  std::filesystem::path directory_;
  std::string hashKey_;
  ConfigFiles files_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(SharingReportTest, FromTheTrailByEveryGroupingThroughTheApiAndOncegatectl) {
  start("");
  makeRequests();
  checkReport("trail");
  // The DBA does not read reports; nor does anyone with a bad parameter.
  EXPECT_EQ(report("&by=form", kDba).status, 403);
  const auto bad = report("&by=purpose");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("by must be form, department, client, source or field"));
  EXPECT_EQ(HttpClient(gateway_->port())
                .get("/admin/v1/reports/sharing?from=2026-12-05&to=2026-12-04", kReform)
                .status,
            400);
  EXPECT_EQ(HttpClient(gateway_->port())
                .get("/admin/v1/reports/sharing?from=2020-01-01&to=2026-01-01", kReform)
                .status,
            400);
  EXPECT_EQ(report("&colour=red").status, 400);
  // An explicit trail gives the same.
  const auto trail = ctlReport(
      {"--trail", (gateway_->directory() / "audit" / "trail.jsonl").string(), "--format", "csv"});
  EXPECT_EQ(trail.out, report("&format=csv").body);
  EXPECT_EQ(ctlReport({"--by", "purpose"}).status, 2);
  // The records' new keys (form, form_total, a dataset's ms) leave the hash chain verifiable.
  const auto verified =
      runCtl({"verify-audit", (gateway_->directory() / "audit" / "trail.jsonl").string()});
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
}

TEST_F(SharingReportTest, FromTheCentralAuditRecordTheSameNumbers) {
  PostgresTestDatabase database("oncegate_sharing_it");
  start(database.odbc());
  makeRequests();
  // Wait until the shipper has put the four data requests answered 200 into the store.
  const std::string bin = std::getenv("ONCEGATE_TEST_PG_BIN");
  const std::string port = std::getenv("ONCEGATE_TEST_PG_PORT");
  const auto shipped = [&] {
    return commandOutput(bin + "/psql -h 127.0.0.1 -p " + port + " -U postgres -d " +
                         database.name() +
                         " -At -c \"SELECT COUNT(*) FROM oncegate_audit_records WHERE status = 200 "
                         "AND route LIKE '/v1/%'\" 2>/dev/null | tr -d '\\n'");
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (shipped() != "4" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(shipped(), "4") << "the gateway did not ship its records to the store";
  checkReport("store");
  const auto store = ctlReport({"--store", database.odbc(), "--format", "csv"});
  EXPECT_EQ(store.out, report("&format=csv").body);
}

}  // namespace
}  // namespace oncegate::testing
