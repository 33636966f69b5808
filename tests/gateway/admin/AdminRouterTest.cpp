#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "AwaitedResponse.h"
#include "RecordingAuditLog.h"
#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "gateway/admin/AdminRoute.h"
#include "gateway/admin/AdminRouter.h"
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
using ::testing::Not;

const std::vector<std::string> kRoles = {"admin", "dba", "security_officer", "auditor",
                                         "reform_office"};

std::string tokenOf(const std::string& role) { return "token-of-" + role; }

HttpRequest request(std::string method, std::string target, const std::string& role) {
  HttpRequest out;
  out.method = std::move(method);
  out.target = std::move(target);
  if (!role.empty()) out.authorization = "Bearer " + tokenOf(role);
  return out;
}

// Keeps every record, recorded at once on the caller's thread (batch durability).
using testing::RecordingAuditLog;
using Answer = testing::AwaitedResponse;

// Holds the admin workers inside a route until opened, and tells when they are all inside.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    ++inside_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void waitUntilInside(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return inside_ >= count; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  bool open_ = false;
};

// Opens the gate when the test ends, however it ends, so that a failed expectation cannot leave
// the workers held and the test hanging in their stop().
struct OpenAtExit {
  Gate& gate;
  ~OpenAtExit() { gate.open(); }
};

class AdminRouterTest : public ::testing::Test {
 protected:
  AdminRouterTest() : live_([](const SourceConfig&) { return nullptr; }, retirer_) {
    auto gateway = parseGatewayConfig(
        ConfigNode::parse("hash_key: 0123456789abcdef0123456789abcdef\n", "gateway.yaml"),
        ::testing::TempDir(), std::nullopt);
    for (const auto& role : kRoles) {
      gateway.adminTokens.push_back(AdminToken{role + "-token", role, sha256Hex(tokenOf(role))});
    }
    live_.install(live_.build(buildConfiguration(std::move(gateway), {}), 1, nullptr));
  }

  // A router with one route, GET /admin/v1/fields (a dba's kind), held at `gate_`.
  std::unique_ptr<AdminRouter> gatedRouter(std::size_t threads, std::size_t queueBound) {
    std::vector<AdminRoute> routes;
    routes.push_back(AdminRoute{"GET", {"fields"}, "", false, [this](AdminCall& call) {
                                  gate_.pass();
                                  call.outcome = "listed";
                                  return HttpResponse{};
                                }});
    return std::make_unique<AdminRouter>(live_, audit_, refusals_, std::move(routes), threads,
                                         queueBound);
  }

  SnapshotRetirer retirer_;
  LiveConfiguration live_;
  RecordingAuditLog audit_;
  // Written when the test flushes it (the interval never ends by itself here).
  RefusalTally refusals_{audit_, std::chrono::hours(1)};
  Gate gate_;
};

// Every endpoint and whom it is for: the table in docs/decisions.md.
struct Endpoint {
  std::string method;
  std::string path;
  std::vector<std::string> roles;  // besides admin, who may
};

TEST_F(AdminRouterTest, EachRouteIsForTheRolesThatOwnItsKind) {
  MemoryCache cache;
  CacheInvalidation invalidation(
      cache, [](const std::string&, bool) {}, nullptr);
  AdminRouter router(live_, audit_, refusals_, invalidation);
  const std::vector<Endpoint> endpoints = {
      {"GET", "/admin/v1/changes", {"dba", "security_officer", "auditor"}},
      {"GET", "/admin/v1/audit", {"auditor"}},
      {"POST", "/admin/v1/audit/verify", {"auditor"}},
      {"POST", "/admin/v1/cache/invalidate", {"dba"}},
      {"POST", "/admin/v1/policies/explain", {"security_officer", "auditor"}},
      {"POST", "/admin/v1/policies/impact", {"security_officer", "auditor"}},
      {"POST", "/admin/v1/sources/hr/test", {"dba"}},
      {"GET", "/admin/v1/sources/status", {"dba", "auditor"}},
      {"GET", "/admin/v1/fields/person.name/grants", {"dba", "auditor"}},
      {"POST", "/admin/v1/datasets/hr.employee/dry-run", {"dba"}},
      {"GET", "/admin/v1/fields/person.name/history", {"dba", "auditor"}},
      {"POST", "/admin/v1/clients/tax-app/rollback", {"security_officer"}},
      {"GET", "/admin/v1/forms", {"dba", "auditor"}},
      {"GET", "/admin/v1/policies/grant", {"security_officer", "auditor"}},
      {"PUT", "/admin/v1/subjects/person", {"dba"}},
      {"DELETE", "/admin/v1/clients/tax-app", {"security_officer"}},
      // The reform office reads the reports and nothing else; the DBA does not read them.
      {"GET", "/admin/v1/reports/sharing", {"security_officer", "auditor", "reform_office"}},
  };
  for (const auto& endpoint : endpoints) {
    for (const auto& role : kRoles) {
      SCOPED_TRACE(endpoint.method + " " + endpoint.path + " as " + role);
      const bool allowed =
          role == "admin" ||
          std::find(endpoint.roles.begin(), endpoint.roles.end(), role) != endpoint.roles.end();
      Answer answer;
      router.handle(request(endpoint.method, endpoint.path, role), answer.respond());
      if (!allowed) {
        // Refused on the calling thread, before any worker.
        ASSERT_TRUE(answer.given());
        EXPECT_EQ(answer.wait().status, 403U);
        EXPECT_THAT(answer.wait().body, HasSubstr(R"("error":"forbidden")"));
      } else {
        // What the endpoint makes of an empty configuration does not matter here.
        EXPECT_NE(answer.wait().status, 403U) << answer.wait().body;
      }
    }
  }
}

TEST_F(AdminRouterTest, RefusalsBeforeTheQueueAreAnsweredAtOnceAndAuditedOrCounted) {
  // One worker, held, and the one queue place taken: nothing more could be queued.
  auto router = gatedRouter(1, 1);
  const OpenAtExit openAtExit{gate_};
  Answer held;
  Answer waiting;
  router->handle(request("GET", "/admin/v1/fields", "dba"), held.respond());
  gate_.waitUntilInside(1);
  router->handle(request("GET", "/admin/v1/fields", "dba"), waiting.respond());

  Answer noToken;
  auto anonymous = request("GET", "/admin/v1/fields", "");
  anonymous.remoteAddress = "192.0.2.7";
  anonymous.changeComment = "text an attacker chose";
  router->handle(std::move(anonymous), noToken.respond());
  ASSERT_TRUE(noToken.given());
  EXPECT_EQ(noToken.wait().status, 401U);
  EXPECT_THAT(noToken.wait().body, HasSubstr(R"("error":"unauthenticated")"));
  EXPECT_FALSE(noToken.wait().requestId.empty());

  Answer wrongToken;
  auto wrong = request("GET", "/admin/v1/fields-of-the-attackers-choosing", "");
  wrong.remoteAddress = "192.0.2.7";
  wrong.authorization = "Bearer not-a-token";
  router->handle(std::move(wrong), wrongToken.respond());
  ASSERT_TRUE(wrongToken.given());
  EXPECT_EQ(wrongToken.wait().status, 401U);

  Answer forbidden;
  router->handle(request("GET", "/admin/v1/fields", "security_officer"), forbidden.respond());
  ASSERT_TRUE(forbidden.given());
  EXPECT_EQ(forbidden.wait().status, 403U);

  Answer unknown;
  router->handle(request("GET", "/admin/v1/nothing", "dba"), unknown.respond());
  ASSERT_TRUE(unknown.given());
  EXPECT_EQ(unknown.wait().status, 404U);

  Answer wrongMethod;
  router->handle(request("POST", "/admin/v1/fields", "dba"), wrongMethod.respond());
  ASSERT_TRUE(wrongMethod.given());
  EXPECT_EQ(wrongMethod.wait().status, 405U);
  EXPECT_THAT(wrongMethod.wait().body, HasSubstr("use GET for /admin/v1/fields"));

  EXPECT_FALSE(held.given());
  EXPECT_FALSE(waiting.given());
  gate_.open();
  EXPECT_EQ(held.wait().status, 200U);
  EXPECT_EQ(waiting.wait().status, 200U);

  // The calls without a valid token have no record of their own: they are counted.
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 5U);
  EXPECT_THAT(records[0], HasSubstr(R"("admin":{"name":"security_officer-token")"));
  EXPECT_THAT(records[0], HasSubstr(R"("kind":"fields")"));
  EXPECT_THAT(records[0], HasSubstr(R"("status":403,"outcome":"forbidden")"));
  EXPECT_THAT(records[3], HasSubstr(R"("status":200,"outcome":"listed")"));
  refusals_.flush();
  records = audit_.records();
  ASSERT_EQ(records.size(), 6U);
  EXPECT_THAT(records[5], HasSubstr(R"("event":"unauthenticated_refusals","remote":"192.0.2.7")"));
  EXPECT_THAT(records[5], HasSubstr(R"("count":2)"));
  EXPECT_THAT(records[5], HasSubstr(R"("routes":{"/admin/v1/":2})"));
  for (const auto& record : records) {
    EXPECT_THAT(record, Not(HasSubstr("attacker"))) << "text sent without a token was written";
    EXPECT_THAT(record, Not(HasSubstr("\"status\":401")));
  }
}

TEST_F(AdminRouterTest, PastTheQueueBoundACallIsAnswered503AtOnceWithRetryAfter) {
  auto router = gatedRouter(1, 2);
  const OpenAtExit openAtExit{gate_};
  std::vector<Answer> taken(3);
  router->handle(request("GET", "/admin/v1/fields", "dba"), taken[0].respond());
  gate_.waitUntilInside(1);
  router->handle(request("GET", "/admin/v1/fields", "dba"), taken[1].respond());
  router->handle(request("GET", "/admin/v1/fields", "auditor"), taken[2].respond());

  Answer refused;
  router->handle(request("GET", "/admin/v1/fields", "dba"), refused.respond());
  ASSERT_TRUE(refused.given());
  const auto response = refused.wait();
  EXPECT_EQ(response.status, 503U);
  EXPECT_THAT(response.body, HasSubstr(R"("error":"overloaded")"));
  EXPECT_THAT(response.headers,
              ::testing::Contains(std::pair<std::string, std::string>("Retry-After", "1")));
  const auto records = audit_.records();
  ASSERT_EQ(records.size(), 1U);  // the refusal; the others are not answered yet
  EXPECT_THAT(records[0], HasSubstr(R"("admin":{"name":"dba-token","role":"dba"})"));
  EXPECT_THAT(records[0], HasSubstr(R"("status":503,"outcome":"overloaded")"));

  gate_.open();
  for (auto& answer : taken) EXPECT_EQ(answer.wait().status, 200U);
  // With room again, calls are taken again.
  Answer later;
  router->handle(request("GET", "/admin/v1/fields", "dba"), later.respond());
  EXPECT_EQ(later.wait().status, 200U);
}

TEST_F(AdminRouterTest, StopFinishesTheCallsTakenAndAnswers503ToLaterOnes) {
  auto router = gatedRouter(1, 4);
  const OpenAtExit openAtExit{gate_};
  Answer running;
  Answer queued;
  router->handle(request("GET", "/admin/v1/fields", "dba"), running.respond());
  gate_.waitUntilInside(1);
  router->handle(request("GET", "/admin/v1/fields", "dba"), queued.respond());

  std::thread stopper([&] { router->stop(); });
  // Once stop() has begun, calls are refused as the gateway shutting down; until then a probe is
  // one more taken call, or refused because the queue is full.
  std::vector<std::unique_ptr<Answer>> takenProbes;
  for (;;) {
    auto probe = std::make_unique<Answer>();
    router->handle(request("GET", "/admin/v1/fields", "dba"), probe->respond());
    if (!probe->given()) {
      takenProbes.push_back(std::move(probe));
      continue;
    }
    const auto refused = probe->wait();
    EXPECT_EQ(refused.status, 503U);
    if (refused.status != 503U || refused.body.find("shutting down") != std::string::npos) break;
  }
  EXPECT_FALSE(running.given());
  EXPECT_FALSE(queued.given());

  gate_.open();
  stopper.join();
  EXPECT_EQ(running.wait().status, 200U);
  EXPECT_EQ(queued.wait().status, 200U);
  for (const auto& probe : takenProbes) EXPECT_EQ(probe->wait().status, 200U);
  Answer after;
  router->handle(request("GET", "/admin/v1/fields", "dba"), after.respond());
  ASSERT_TRUE(after.given());
  EXPECT_EQ(after.wait().status, 503U);
}

}  // namespace
}  // namespace oncegate
