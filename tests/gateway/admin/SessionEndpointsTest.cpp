#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "AwaitedResponse.h"
#include "RecordingAuditLog.h"
#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "gateway/admin/AdminRouter.h"
#include "gateway/admin/SessionEndpoints.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/audit/RefusalTally.h"
#include "gateway/cache/CacheInvalidation.h"
#include "gateway/cache/MemoryCache.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/runtime/SnapshotRetirer.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;

using testing::RecordingAuditLog;
using Answer = testing::AwaitedResponse;

const std::vector<std::string> kRoles = {"admin", "dba", "security_officer", "auditor",
                                         "reform_office"};

class SessionEndpointsTest : public ::testing::Test {
 protected:
  SessionEndpointsTest() : live_([](const SourceConfig&) { return nullptr; }, retirer_) {
    auto gateway = parseGatewayConfig(
        ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"),
        ::testing::TempDir(), std::nullopt);
    for (const auto& role : kRoles) {
      gateway.adminTokens.push_back(AdminToken{role + "-name", role, sha256Hex("token-" + role)});
    }
    live_.install(live_.build(buildConfiguration(std::move(gateway), {}), 1, nullptr));
  }

  HttpResponse call(std::string method, std::string authorization) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = "/admin/v1/session";
    request.authorization = std::move(authorization);
    Answer answer;
    router_.handle(std::move(request), answer.respond());
    return answer.wait();
  }

  // The "may" object expected for `levels` (every kind, in the answer's order).
  static std::string may(const std::map<std::string, std::string>& levels) {
    std::string out = "\"may\":{";
    bool first = true;
    for (const auto* kind : {"sources", "subjects", "datasets", "fields", "forms", "cache",
                             "clients", "policies", "changes", "approvals", "audit", "reports"}) {
      const auto& level = levels.at(kind);
      out += std::string(first ? "" : ",") + "\"" + kind + "\":\"" + level + "\"";
      first = false;
    }
    return out + "}";
  }

  SnapshotRetirer retirer_;
  LiveConfiguration live_;
  RecordingAuditLog audit_;
  RefusalTally refusals_{audit_, std::chrono::hours(1)};
  MemoryCache cache_;
  CacheInvalidation invalidation_{cache_, [](const std::string&, bool) {}, nullptr};
  AdminRouter router_{live_, audit_, refusals_, invalidation_};
};

std::map<std::string, std::string> allAt(const std::string& level) {
  std::map<std::string, std::string> levels;
  for (const auto* kind : {"sources", "subjects", "datasets", "fields", "forms", "cache", "clients",
                           "policies", "changes", "approvals", "audit", "reports"}) {
    levels[kind] = level;
  }
  return levels;
}

TEST_F(SessionEndpointsTest, DbaWritesTheCatalogueOnly) {
  const auto response = call("GET", "Bearer token-dba");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.contentType, "application/json");
  EXPECT_THAT(response.body, HasSubstr("\"name\":\"dba-name\",\"role\":\"dba\""));
  auto levels = allAt("none");
  for (const auto* kind : {"sources", "subjects", "datasets", "fields", "forms", "cache"}) {
    levels[kind] = "write";
  }
  levels["changes"] = "read";
  EXPECT_THAT(response.body, HasSubstr(may(levels)));
  EXPECT_THAT(response.body, HasSubstr("\"request_id\":\"" + response.requestId + "\""));
}

TEST_F(SessionEndpointsTest, SecurityOfficerWritesClientsAndPoliciesAndDecidesApprovals) {
  const auto response = call("GET", "Bearer token-security_officer");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_THAT(response.body,
              HasSubstr("\"name\":\"security_officer-name\",\"role\":\"security_officer\""));
  auto levels = allAt("none");
  levels["clients"] = levels["policies"] = levels["approvals"] = "write";
  levels["changes"] = levels["reports"] = "read";
  EXPECT_THAT(response.body, HasSubstr(may(levels)));
}

TEST_F(SessionEndpointsTest, AuditorReadsEverythingButApprovals) {
  const auto response = call("GET", "Bearer token-auditor");
  ASSERT_EQ(response.status, 200u) << response.body;
  auto levels = allAt("read");
  levels["approvals"] = "none";
  EXPECT_THAT(response.body, HasSubstr(may(levels)));
}

TEST_F(SessionEndpointsTest, ReformOfficeReadsTheReportsOnly) {
  const auto response = call("GET", "Bearer token-reform_office");
  ASSERT_EQ(response.status, 200u) << response.body;
  auto levels = allAt("none");
  levels["reports"] = "read";
  EXPECT_THAT(response.body, HasSubstr(may(levels)));
}

TEST_F(SessionEndpointsTest, AdminWritesAllButTheReadOnlyKindsAndCannotApprove) {
  const auto response = call("GET", "Bearer token-admin");
  ASSERT_EQ(response.status, 200u) << response.body;
  auto levels = allAt("write");
  levels["changes"] = levels["audit"] = levels["reports"] = "read";
  levels["approvals"] = "none";
  EXPECT_THAT(response.body, HasSubstr(may(levels)));
}

TEST_F(SessionEndpointsTest, IsAuditedAsARead) {
  ASSERT_EQ(call("GET", "Bearer token-dba").status, 200u);
  const auto records = audit_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0], HasSubstr("\"session\""));
  EXPECT_THAT(records[0], HasSubstr("\"read\""));
  EXPECT_THAT(records[0], ::testing::Not(HasSubstr("token-dba")));
}

TEST_F(SessionEndpointsTest, NeedsAValidTokenAndGet) {
  EXPECT_EQ(call("GET", "").status, 401u);
  EXPECT_EQ(call("GET", "Bearer not-a-token").status, 401u);
  const auto post = call("POST", "Bearer token-dba");
  EXPECT_EQ(post.status, 405u) << post.body;
}

}  // namespace
}  // namespace oncegate
