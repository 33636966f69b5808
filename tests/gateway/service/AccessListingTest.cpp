#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>

#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "common/Error.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/auditstore/AuditStoreSchema.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"
#include "gateway/service/AccessListing.h"
#include "gateway/service/PlanExecutor.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Period = std::pair<std::string, std::string>;

std::string errorOf(const std::string& from, const std::string& to) {
  try {
    AccessListing::period(from, to);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "<no error>";
}

TEST(AccessListingPeriodTest, ADateToCoversItsWholeDayATimeToIsIncluded) {
  EXPECT_EQ(AccessListing::period("2026-01-01", "2026-12-31"),
            Period("2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"));
  EXPECT_EQ(AccessListing::period("2026-01-01T08:00:00Z", "2026-01-01T18:30:00.250Z"),
            Period("2026-01-01T08:00:00.000Z", "2026-01-01T18:30:00.251Z"));
  EXPECT_EQ(AccessListing::period("2026-03-01", "2026-03-01"),
            Period("2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z"));
}

TEST(AccessListingPeriodTest, AtMostFiveYears) {
  EXPECT_NO_THROW(AccessListing::period("2021-12-05", "2026-12-05"));
  EXPECT_THAT(errorOf("2021-12-05", "2026-12-06"), HasSubstr("longer than 5 years"));
  EXPECT_NO_THROW(AccessListing::period("2021-12-05T10:00:00Z", "2026-12-05T10:00:00Z"));
  EXPECT_THAT(errorOf("2021-12-05T10:00:00Z", "2026-12-05T10:00:01Z"),
              HasSubstr("longer than 5 years"));
  // 29 February plus five years is 1 March.
  EXPECT_NO_THROW(AccessListing::period("2024-02-29", "2029-03-01"));
  EXPECT_THAT(errorOf("2024-02-29", "2029-03-02"), HasSubstr("longer than 5 years"));
}

TEST(AccessListingPeriodTest, MalformedOrReversedIsRefused) {
  EXPECT_THAT(errorOf("yesterday", "2026-01-01"), HasSubstr("from must be an ISO 8601 date"));
  EXPECT_THAT(errorOf("2026-01-01", "2026-02-30"), HasSubstr("to must be an ISO 8601 date"));
  EXPECT_THAT(errorOf("2026-01-02", "2026-01-01"), HasSubstr("to is before from"));
}

constexpr const char* kHashKey = "0123456789abcdef0123456789abcdef";
constexpr const char* kSubject = "11010519491231002X";

// Answers every record at once (batch durability), or refuses them all.
class RecordingAuditLog : public AuditLog {
 public:
  void append(std::string record, Durable durable) override {
    bool failing = false;
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
      failing = failing_;
    }
    durable(!failing);
  }
  bool healthy() const override { return true; }
  void fail() {
    std::lock_guard lock(mutex_);
    failing_ = true;
  }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> records_;
  bool failing_ = false;
};

// The listing against a SQLite central record: what it lists, what it audits, how it fails.
class AccessListingTest : public ::testing::Test {
 protected:
  AccessListingTest() {
    char pattern[] = "/tmp/oncegate-accesslisting-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    store_ = "Driver=SQLite3;Database=" + (directory_ / "audit.db").string();
    install(store_);
    odbc::OdbcClient client(store_, "audit store");
    createAuditStoreSchema(client);
    const auto hash = subjectIndexHash(kHashKey, "person", kSubject);
    const auto add = [&](const std::string& time, const std::string& discloseAfter) {
      const auto seq = ++seq_;
      const std::string line = R"({"time":")" + time + R"(","fields":{"person.name":"ok"}})";
      client.execute(
          "INSERT INTO oncegate_audit_records VALUES ('gw-a', ?, ?, 'access', 'r', '/v1/resolve', "
          "200, 'retirement-app', 'Organisation Department', 'retirement', 'LS-1', 'person', ?, "
          "?, ?, ?, '')",
          {Value::integer(seq), Value::string(time), Value::string(hash),
           Value::string(discloseAfter), Value::string(line), Value::string(sha256Hex(line))});
      client.execute("INSERT INTO oncegate_audit_fields VALUES ('gw-a', ?, 'person.name', 'ok')",
                     {Value::integer(seq)});
    };
    add("2026-12-05T01:00:00.000Z", "");
    add("2026-12-05T02:00:00.000Z", "2026-12-06");
  }
  ~AccessListingTest() override {
    listing_.stop();
    std::filesystem::remove_all(directory_);
  }

  void install(const std::string& store) {
    const std::string gateway = std::string("hash_key: ") + kHashKey +
                                "\nlimits: { request_timeout: 2s }\naudit: { store: \"" + store +
                                "\" }\n";
    auto settings = parseGatewayConfig(ConfigNode::parse(gateway, "gateway.yaml"), "/nonexistent",
                                       std::nullopt);
    const auto root = ConfigNode::parse(
        "subjects:\n  - { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
        "clients:\n"
        "  - { id: portal, department: Service Office, api_key_sha256: \"" +
            sha256Hex("p") +
            "\", purposes: [citizen], can_list_accesses: true }\n"
            "  - { id: retirement-app, api_key_sha256: \"" +
            sha256Hex("r") + "\", purposes: [retirement] }\n",
        "documents.yaml");
    std::vector<ConfigDocument> documents;
    for (const auto& [kind, list] : root.entries()) {
      for (const auto& item : list.items()) {
        documents.push_back(ConfigDocument{kind, item.at("id").asString(), item});
      }
    }
    live_.install(live_.build(buildConfiguration(std::move(settings), std::move(documents)),
                              ++version_, live_.current().get()));
  }

  AccessListing::Outcome list(const std::string& client, const std::string& subject = kSubject) {
    auto call = std::make_shared<DataRequestService::Call>();
    call->snapshot = live_.current();
    call->client = call->snapshot->config.clients.find(client);
    call->requestId = "req-1";
    call->route = "/v1/accesses";
    std::promise<AccessListing::Outcome> promise;
    listing_.list(
        call, AccessListRequest{"person", {{"id_card", subject}}, "2026-12-05", "2026-12-05"},
        [&promise](AccessListing::Outcome outcome) { promise.set_value(std::move(outcome)); });
    auto future = promise.get_future();
    if (future.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "the listing never answered";
      return Error(ErrorCode::Internal, "no answer");
    }
    return future.get();
  }

  std::filesystem::path directory_;
  std::string store_;
  std::int64_t seq_ = 0;
  std::uint64_t version_ = 0;
  SnapshotRetirer retirer_;
  MemoryCache cache_;
  PlanExecutor executor_{cache_, kHashKey};
  LiveConfiguration live_{[](const SourceConfig&) -> std::shared_ptr<Source> { return nullptr; },
                          retirer_};
  RecordingAuditLog audit_;
  DataRequestService service_{live_, executor_, audit_};
  std::string today_ = "2026-12-05";
  AccessListing listing_{service_, [this] { return today_; }};
};

TEST_F(AccessListingTest, ListsTheSubjectsAccessesAndAuditsTheCall) {
  const auto outcome = list("portal");
  ASSERT_TRUE(std::holds_alternative<AccessListing::Answer>(outcome))
      << std::get<Error>(outcome).message();
  const auto& answer = std::get<AccessListing::Answer>(outcome);
  ASSERT_EQ(answer.accesses.size(), 1U);  // the second is confidential until tomorrow
  EXPECT_EQ(answer.accesses[0].time, "2026-12-05T01:00:00.000Z");
  EXPECT_EQ(answer.accesses[0].department, "Organisation Department");
  EXPECT_EQ(answer.accesses[0].caseNumber, "LS-1");
  EXPECT_FALSE(answer.truncated);
  const auto records = audit_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_THAT(records[0], HasSubstr(R"("route":"/v1/accesses","status":200,"client":"portal",)"
                                    R"("department":"Service Office")"));
  EXPECT_THAT(records[0], HasSubstr(R"("subject":{"type":"person","id_card":")" +
                                    std::string(kSubject) + "\"}"));
}

TEST_F(AccessListingTest, AConfidentialAccessShowsOnItsDisclosureDay) {
  today_ = "2026-12-06";
  const auto outcome = list("portal");
  ASSERT_TRUE(std::holds_alternative<AccessListing::Answer>(outcome));
  EXPECT_EQ(std::get<AccessListing::Answer>(outcome).accesses.size(), 2U);
}

TEST_F(AccessListingTest, AClientWithoutTheGrantIsRefusedAndTheRefusalAudited) {
  const auto outcome = list("retirement-app");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  EXPECT_EQ(std::get<Error>(outcome).code(), ErrorCode::Forbidden);
  ASSERT_EQ(audit_.records().size(), 1U);
  EXPECT_THAT(audit_.records()[0], HasSubstr(R"("status":403)"));
}

TEST_F(AccessListingTest, AnInvalidSubjectIsABadRequestBeforeAnyQuery) {
  const auto outcome = list("portal", "not-an-id");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  EXPECT_EQ(std::get<Error>(outcome).code(), ErrorCode::BadRequest);
  EXPECT_TRUE(audit_.records().empty());
}

TEST_F(AccessListingTest, AnUnreadableStoreIsUnavailableWithoutTheDriversTextAndAudited) {
  install("Driver=NoSuchDriver;Database=/nonexistent/x.db");
  const auto outcome = list("portal");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  const auto& error = std::get<Error>(outcome);
  EXPECT_EQ(error.code(), ErrorCode::SourceUnavailable);
  EXPECT_THAT(error.message(), HasSubstr("cannot be listed now"));
  EXPECT_THAT(error.message(), ::testing::Not(HasSubstr("NoSuchDriver")));
  ASSERT_EQ(audit_.records().size(), 1U);
  EXPECT_THAT(audit_.records()[0], HasSubstr(R"("status":503)"));
}

TEST_F(AccessListingTest, NothingIsListedWhenTheCallCannotBeAudited) {
  audit_.fail();
  const auto outcome = list("portal");
  ASSERT_TRUE(std::holds_alternative<Error>(outcome));
  EXPECT_EQ(std::get<Error>(outcome).code(), ErrorCode::Overloaded);
}

}  // namespace
}  // namespace oncegate
