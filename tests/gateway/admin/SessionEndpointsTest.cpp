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

#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "gateway/admin/AdminRoles.h"
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

class RecordingAuditLog final : public AuditLog {
 public:
  void append(std::string record, Durable durable) override {
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
    }
    durable(true);
  }
  bool healthy() const override { return true; }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> records_;
};

// The router answers from an admin worker: waits for that answer.
class Answer {
 public:
  HttpHandler::Respond respond() {
    return [state = state_](HttpResponse response) {
      std::lock_guard lock(state->mutex);
      state->response = std::move(response);
      state->answered.notify_all();
    };
  }
  HttpResponse wait() {
    std::unique_lock lock(state_->mutex);
    state_->answered.wait(lock, [this] { return state_->response.has_value(); });
    return *state_->response;
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable answered;
    std::optional<HttpResponse> response;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

const std::vector<std::string> kRoles = {"admin", "dba", "security_officer", "auditor"};

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

  // The "may" object expected for `levels` (every kind, in the answer's order); "reports" is
  // what the role table says (the reports' roles arrive with the reports).
  static std::string may(const std::string& role,
                         const std::map<std::string, std::string>& levels) {
    std::string out = "\"may\":{";
    bool first = true;
    for (const auto* kind : {"sources", "subjects", "datasets", "fields", "forms", "cache",
                             "clients", "policies", "changes", "approvals", "audit", "reports"}) {
      std::string level = levels.at(kind);
      if (std::string(kind) == "reports")
        level = roleAllows(role, "reports", false) ? "read" : "none";
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
  EXPECT_THAT(response.body, HasSubstr(may("dba", levels)));
  EXPECT_THAT(response.body, HasSubstr("\"request_id\":\"" + response.requestId + "\""));
}

TEST_F(SessionEndpointsTest, SecurityOfficerWritesClientsAndPoliciesAndDecidesApprovals) {
  const auto response = call("GET", "Bearer token-security_officer");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_THAT(response.body,
              HasSubstr("\"name\":\"security_officer-name\",\"role\":\"security_officer\""));
  auto levels = allAt("none");
  levels["clients"] = levels["policies"] = levels["approvals"] = "write";
  levels["changes"] = "read";
  EXPECT_THAT(response.body, HasSubstr(may("security_officer", levels)));
}

TEST_F(SessionEndpointsTest, AuditorReadsEverythingButApprovals) {
  const auto response = call("GET", "Bearer token-auditor");
  ASSERT_EQ(response.status, 200u) << response.body;
  auto levels = allAt("read");
  levels["approvals"] = "none";
  EXPECT_THAT(response.body, HasSubstr(may("auditor", levels)));
  EXPECT_TRUE(roleAllows("auditor", "reports", false));
}

TEST_F(SessionEndpointsTest, AdminWritesAllButTheReadOnlyKindsAndCannotApprove) {
  const auto response = call("GET", "Bearer token-admin");
  ASSERT_EQ(response.status, 200u) << response.body;
  auto levels = allAt("write");
  levels["changes"] = levels["audit"] = "read";
  levels["approvals"] = "none";
  EXPECT_THAT(response.body, HasSubstr(may("admin", levels)));
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
