// Issue 9 on the real binary, the parts that come from a request itself: repeated JSON keys,
// guesses at masked and verify-only fields, refusals of the catalog endpoints in the audit
// trail, %-decoded ids in the log, and the default per-client rate limit.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "GatewayProcess.h"
#include "HttpClient.h"
#include "TestCommands.h"
#include "TestJson.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKey = "hostile-it-client-key";
const std::string kLimitedKey = "hostile-it-limited-key";
const std::string kOfficer = "hostile-it-officer-token";
const std::string kPerson = "330102196001010011";
const std::string kOther = "330102196001010029";

class HostileRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "/tmp/oncegate-it-hostile-" + randomHex(8) + ".db";
    runSqliteSql(database_,
                 "CREATE TABLE person (id_card TEXT PRIMARY KEY, name TEXT, phone TEXT, "
                 "birth DATE);"
                 "INSERT INTO person VALUES ('" +
                     kPerson +
                     "', '张三丰', '13800000000', '1960-01-01');"
                     "INSERT INTO person VALUES ('" +
                     kOther + "', '李四', '13900000000', '1961-02-02');");
    ConfigFiles files;
    files["gateway.yaml"] =
        "listen: 127.0.0.1:1\nthreads: 2\naudit: { path: audit/trail.jsonl, durability: strict }\n"
        "limits: { verify_attempts: { count: 3, per: 1h },\n"
        "          default_rate_limit: { per_second: 0.01, burst: 40 } }\n"
        "hash_key: " +
        randomHex(40) +
        "\nadmin:\n  tokens:\n"
        "    - { name: sec-qian, role: security_officer, token_sha256: " +
        sha256sum(kOfficer) + " }\ninclude: [all.yaml]\n";
    files["all.yaml"] =
        "sources:\n"
        "  - { id: hr, department: 人社局, odbc: \"Driver=SQLite3;Database=" +
        database_ +
        "\" }\n"
        "subjects:\n"
        "  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "datasets:\n"
        "  - { id: hr.person, source: hr, subject: person,\n"
        "      query: \"SELECT name, phone, birth FROM person WHERE id_card = :c\",\n"
        "      params: { c: subject.id_card } }\n"
        "fields:\n"
        "  - { id: person.name, dataset: hr.person, column: name }\n"
        "  - { id: person.phone, dataset: hr.person, column: phone }\n"
        "  - { id: person.birth, dataset: hr.person, column: birth, type: date }\n"
        "clients:\n"
        "  - { id: desk-app, api_key_sha256: " +
        sha256sum(kKey) +
        ", purposes: [retirement] }\n"
        "  - { id: batch-app, api_key_sha256: " +
        sha256sum(kLimitedKey) +
        ", purposes: [retirement] }\n"
        "policies:\n"
        "  - { id: open, clients: [desk-app, batch-app], purposes: [retirement],\n"
        "      allow: [\"person.*\"], verify_only: [person.phone] }\n"
        "  - { id: masked, clients: [desk-app, batch-app], purposes: [retirement],\n"
        "      allow: [person.name], mask: { person.name: show_first_1 } }\n"
        "forms:\n"
        "  - { id: retirement, title: 退休, purpose: retirement, subject: person,\n"
        "      fields: [person.name] }\n"
        "  - { id: tax-refund, title: 退税, purpose: tax, subject: person, fields: [person.name] "
        "}\n";
    gateway_ = std::make_unique<GatewayProcess>(files);
    client_ = std::make_unique<HttpClient>(gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    std::remove(database_.c_str());
  }

  HttpResult verify(const std::string& subject, const std::string& claims,
                    const std::string& key = kKey) {
    return client_->post("/v1/verify",
                         R"({"purpose":"retirement","subject":{"type":"person","id_card":")" +
                             subject + R"("},"claims":)" + claims + "}",
                         key);
  }

  std::vector<std::string> auditLines() const {
    std::ifstream in(gateway_->directory() / "audit" / "trail.jsonl");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  std::string database_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<HttpClient> client_;
};

// Finding 2: {"id_card":A,"id_card":B} was served for A and audited with both.
TEST_F(HostileRequestTest, ARepeatedKeyIsABadRequestAndTheAuditNamesTheValidatedSubjectOnly) {
  const auto repeated =
      client_->post("/v1/resolve",
                    R"({"purpose":"retirement","subject":{"type":"person","id_card":")" + kPerson +
                        R"(","id_card":")" + kOther + R"("},"fields":["person.birth"]})",
                    kKey);
  EXPECT_EQ(repeated.status, 400) << repeated.body;
  EXPECT_EQ(TestJson(repeated.body).at("/error"), "bad_request");
  EXPECT_THAT(repeated.body, HasSubstr("key 'id_card' appears twice in subject"));
  const auto topLevel = client_->post(
      "/v1/resolve",
      R"({"purpose":"retirement","purpose":"tax","subject":{"type":"person","id_card":")" +
          kPerson + R"("},"fields":["person.birth"]})",
      kKey);
  EXPECT_EQ(topLevel.status, 400);
  EXPECT_THAT(topLevel.body, HasSubstr("key 'purpose' appears twice"));
  // Admin bodies (JSON read as YAML, which kept the first of two keys) refuse a repeat too.
  const auto admin = client_->send(
      "PUT", "/admin/v1/policies/open",
      R"({"id":"open","clients":["desk-app"],"purposes":["retirement"],"allow":["person.birth"],)"
      R"("allow":["person.*"]})",
      kOfficer);
  EXPECT_EQ(admin.status, 400) << admin.body;
  EXPECT_THAT(admin.body, HasSubstr("key 'allow' appears twice"));
  // Nothing was served for the refused requests: the only data record is this one, and it
  // names the validated key only.
  ASSERT_EQ(client_
                ->post("/v1/resolve",
                       R"({"purpose":"retirement","subject":{"type":"person","id_card":")" +
                           kPerson + R"("},"fields":["person.birth"]})",
                       kKey)
                .status,
            200);
  std::vector<std::string> data;
  for (const auto& line : auditLines()) {
    if (line.find("\"route\":\"/v1/resolve\"") != std::string::npos) data.push_back(line);
  }
  ASSERT_EQ(data.size(), 1U);
  EXPECT_EQ(TestJson(data[0]).at("/subject/id_card"), kPerson);
  EXPECT_THAT(data[0], Not(HasSubstr(kOther)));
}

// Finding 3: a masked grant was verifiable against the unmasked value.
TEST_F(HostileRequestTest, VerifyAnswersOnlyVerifyOnlyAndUnmaskedGrants) {
  const auto response = verify(kPerson, R"({"person.name":"张三丰","person.phone":"13800000000",)"
                                        R"("person.birth":"1960-01-01"})");
  ASSERT_EQ(response.status, 200) << response.body;
  TestJson json(response.body);
  EXPECT_EQ(json.at("/fields/person.name/status"), "denied");
  EXPECT_EQ(json.at("/fields/person.name/match"), "<missing>");
  EXPECT_THAT(json.at("/fields/person.name/reason"), HasSubstr("masked"));
  EXPECT_EQ(json.at("/fields/person.phone/status"), "ok");
  EXPECT_EQ(json.at("/fields/person.phone/match"), "true");
  EXPECT_EQ(json.at("/fields/person.birth/status"), "ok");
  EXPECT_EQ(json.at("/fields/person.birth/match"), "true");
}

TEST_F(HostileRequestTest, GuessesPastTheLimitAreLimitedAndAudited) {
  for (int i = 0; i < 3; ++i) {
    const auto guess =
        verify(kPerson, R"({"person.phone":"1380000000)" + std::to_string(i) + "\"}");
    ASSERT_EQ(guess.status, 200) << guess.body;
    EXPECT_EQ(TestJson(guess.body).at("/fields/person.phone/status"), "ok") << i;
  }
  const auto fourth =
      verify(kPerson, R"({"person.phone":"13800000000","person.birth":"1960-01-01"})");
  ASSERT_EQ(fourth.status, 200) << fourth.body;
  TestJson json(fourth.body);
  EXPECT_EQ(json.at("/fields/person.phone/status"), "limited");
  EXPECT_EQ(json.at("/fields/person.phone/match"), "<missing>");
  EXPECT_THAT(json.at("/fields/person.phone/reason"), HasSubstr("limits.verify_attempts"));
  EXPECT_EQ(json.at("/fields/person.birth/status"), "ok");  // another field: its own count
  // Another subject and another client have counts of their own.
  EXPECT_EQ(
      TestJson(verify(kOther, R"({"person.phone":"1"})").body).at("/fields/person.phone/status"),
      "ok");
  EXPECT_EQ(TestJson(verify(kPerson, R"({"person.phone":"1"})", kLimitedKey).body)
                .at("/fields/person.phone/status"),
            "ok");
  const auto lines = auditLines();
  ASSERT_FALSE(lines.empty());
  std::string limited;
  for (const auto& line : lines) {
    if (line.find("\"limited\"") != std::string::npos) limited = line;
  }
  ASSERT_FALSE(limited.empty());
  TestJson record(limited);
  EXPECT_EQ(record.at("/client"), "desk-app");
  EXPECT_EQ(record.at("/fields/person.phone"), "limited");
  EXPECT_EQ(record.at("/subject/id_card"), kPerson);
  EXPECT_EQ(gateway_->stop(), 0);
  EXPECT_THAT(gateway_->logs(), HasSubstr("client=desk-app field=person.phone: over "
                                          "limits.verify_attempts"));
  EXPECT_THAT(gateway_->logs(), Not(HasSubstr(kPerson)));
}

// Finding 8: 401 and 403 on /v1/catalog and /v1/forms were not audited. A 403 is a record of its
// own; 401s are counted in the per-address tally (finding 5), written at the end of its interval or
// at shutdown, like the other routes' 401s.
TEST_F(HostileRequestTest, CatalogAndFormsRefusalsAreAudited) {
  EXPECT_EQ(client_->get("/v1/catalog").status, 401);
  EXPECT_EQ(client_->get("/v1/forms", "not-a-key").status, 401);
  EXPECT_EQ(client_->get("/v1/forms/tax-refund", kKey).status, 403);
  EXPECT_EQ(client_->get("/v1/forms/retirement", kKey).status, 200);
  EXPECT_EQ(gateway_->stop(), 0);
  std::vector<std::string> refused;
  std::string tally;
  for (const auto& line : auditLines()) {
    if (line.find(R"("event":"unauthenticated_refusals")") != std::string::npos) {
      tally = line;
    } else {
      refused.push_back(line);
    }
  }
  ASSERT_EQ(refused.size(), 1U);
  TestJson record(refused[0]);
  EXPECT_EQ(record.at("/route"), "/v1/forms/tax-refund");
  EXPECT_EQ(record.at("/status"), "403");
  EXPECT_EQ(record.at("/client"), "desk-app");
  EXPECT_EQ(record.at("/purpose"), "tax");
  ASSERT_FALSE(tally.empty());
  EXPECT_THAT(tally, HasSubstr(R"("count":2,)"));
  EXPECT_THAT(tally, HasSubstr(R"("/v1/catalog":1)"));
  EXPECT_THAT(tally, HasSubstr(R"("/v1/forms":1)"));
}

// Finding 8: %-decoded ids reached the log with their newlines, so a caller could forge lines.
TEST_F(HostileRequestTest, DecodedIdsCannotForgeLogLines) {
  EXPECT_EQ(client_->get("/v1/forms/x%0Arequest%20forged-v1%20GET%20/v1/resolve", kKey).status,
            404);
  const auto forged =
      R"({"id":"p\nrequest forged-admin","clients":["desk-app"],"purposes":["retirement"],)"
      R"("allow":["person.birth"]})";
  const auto put =
      client_->send("PUT", "/admin/v1/policies/p%0Arequest%20forged-admin", forged, kOfficer);
  EXPECT_LT(put.status, 500) << put.body;
  EXPECT_EQ(client_->get("/admin/v1/policies/q%0Arequest%20forged-get%1B%5B2J", kOfficer).status,
            404);
  EXPECT_EQ(gateway_->stop(), 0);
  const auto logs = gateway_->logs();
  std::istringstream lines(logs);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_FALSE(line.starts_with("request forged")) << line;
    EXPECT_THAT(line, Not(HasSubstr("\x1b"))) << line;
  }
}

// Finding 8: a client without rate_limit could flood the sources and open their breakers for
// everyone; limits.default_rate_limit holds it.
TEST_F(HostileRequestTest, ClientsWithoutARateLimitAreHeldToTheDefault) {
  int allowed = 0;
  HttpResult last;
  for (int i = 0; i < 60; ++i) {
    last = client_->get("/v1/catalog", kLimitedKey);
    if (last.status != 200) break;
    ++allowed;
  }
  EXPECT_EQ(allowed, 40);
  EXPECT_EQ(last.status, 429);
  EXPECT_THAT(last.body, HasSubstr("limits.default_rate_limit"));
  // The other client's bucket is its own.
  EXPECT_EQ(client_->get("/v1/catalog", kKey).status, 200);
}

}  // namespace
}  // namespace oncegate::testing
