#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/ConsistencyEndpoints.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"
#include "tests/gateway/service/FakeSource.h"

namespace oncegate {
namespace {

using testing::FakeSource;
using ::testing::HasSubstr;

constexpr const char* kDocuments = R"(sources:
  - { id: hr, department: hr bureau, odbc: "Driver=none" }
  - { id: civil, department: civil affairs, odbc: "Driver=none" }
subjects:
  - { id: person, key: id_card, pattern: "^[0-9]{17}[0-9X]$" }
datasets:
  - { id: hr.person, source: hr, subject: person, query: "SELECT name FROM p WHERE id = :id", params: { id: subject.id_card } }
  - { id: civil.person, source: civil, subject: person, query: "SELECT name FROM c WHERE id = :id", params: { id: subject.id_card } }
fields:
  - { id: hr.name, dataset: hr.person, column: name, indicator: { id: person.name, authoritative: true } }
  - { id: civil.name, dataset: civil.person, column: name, indicator: { id: person.name } }
)";

// The endpoint over a trail of one request about one subject, with sources that have no rows.
class ConsistencyEndpointsTest : public ::testing::Test {
 protected:
  ConsistencyEndpointsTest() {
    char pattern[] = "/tmp/oncegate-consistencyendpoints-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    std::ofstream(directory_ / "audit.jsonl")
        << R"({"time":"2026-12-05T01:00:00.000Z","route":"/v1/resolve","status":200,)"
        << R"("subject":{"type":"person","id_card":"110101199003070019"},"prev":")"
        << std::string(64, '0') << "\"}\n";
    auto settings = parseGatewayConfig(
        ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\naudit: { path: " +
                              (directory_ / "audit.jsonl").string() + " }\n",
                          "gateway.yaml"),
        "/nonexistent", std::nullopt);
    std::vector<ConfigDocument> documents;
    const auto root = ConfigNode::parse(kDocuments, "documents.yaml");
    for (const auto& [kind, list] : root.entries()) {
      for (const auto& item : list.items()) {
        documents.push_back(ConfigDocument{kind, item.at("id").asString(), item});
      }
    }
    live_.install(
        live_.build(buildConfiguration(std::move(settings), std::move(documents)), 1, nullptr));
  }
  ~ConsistencyEndpointsTest() override { std::filesystem::remove_all(directory_); }

  HttpResponse post(const std::string& body, AdminCall& call) {
    call.request.body = body;
    call.requestId = "req-1";
    return endpoints_.check(call);
  }

  // The message of the BadRequest that `body` gets.
  std::string refusal(const std::string& body) {
    AdminCall call;
    try {
      post(body, call);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest) << body;
      return e.message();
    }
    ADD_FAILURE() << body << " was accepted";
    return {};
  }

  std::filesystem::path directory_;
  SnapshotRetirer retirer_;
  LiveConfiguration live_{[](const SourceConfig& config) -> std::shared_ptr<Source> {
                            return std::make_shared<FakeSource>(config.id);
                          },
                          retirer_};
  ConsistencyEndpoints endpoints_{live_};
};

TEST_F(ConsistencyEndpointsTest, AnswersTheReportAndAuditsTheCountOnly) {
  AdminCall call;
  const auto response = post(R"({"indicator":"person.name","sample":10})", call);
  EXPECT_THAT(response.body, HasSubstr(R"({"request_id":"req-1","indicator":"person.name",)"));
  EXPECT_THAT(response.body, HasSubstr(R"("subjects_sampled":1,)"));
  EXPECT_EQ(call.id, "person.name");
  EXPECT_EQ(call.subjectsRead, 1);
  EXPECT_EQ(call.outcome, "consistent");
  EXPECT_TRUE(call.subjectValue.empty());
  const auto record = call.auditRecord(200);
  EXPECT_THAT(record, HasSubstr(R"("subjects_read":1)"));
  EXPECT_EQ(record.find("110101199003070019"), std::string::npos);
}

TEST_F(ConsistencyEndpointsTest, RefusesABadBody) {
  EXPECT_THAT(refusal(R"({"indicator":"person.unknown"})"), HasSubstr("no field carries"));
  EXPECT_THAT(refusal(R"({"indicator":"person.name","sample":0})"), HasSubstr("sample"));
  EXPECT_THAT(refusal(R"({"indicator":"person.name","sample":1001})"), HasSubstr("sample"));
  EXPECT_THAT(refusal(R"({"indicator":"person.name","sample":"many"})"), HasSubstr("sample"));
  EXPECT_THAT(refusal(R"({"indicator":"person.name","subject":"x"})"), HasSubstr("subject"));
  EXPECT_THAT(refusal(R"({"sample":5})"), HasSubstr("indicator"));
  EXPECT_THAT(refusal("[1]"), HasSubstr("JSON object"));
}

}  // namespace
}  // namespace oncegate
