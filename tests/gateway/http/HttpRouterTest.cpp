#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/Error.h"
#include "gateway/http/HttpRouter.h"

namespace oncegate {
namespace {

// Answers at once with its own name, so a test sees who got the request.
class NamedHandler : public HttpHandler {
 public:
  explicit NamedHandler(std::string name) : name_(std::move(name)) {}
  void handle(HttpRequest /*request*/, Respond respond) override {
    HttpResponse response;
    response.status = 200;
    response.body = name_;
    respond(std::move(response));
  }
  HttpResponse refuse(const Error& /*error*/) override {
    HttpResponse response;
    response.body = name_ + " refused";
    return response;
  }

 private:
  std::string name_;
};

std::string route(HttpRouter& router, std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  std::string answeredBy;
  router.handle(std::move(request), [&](HttpResponse response) { answeredBy = response.body; });
  return answeredBy;
}

TEST(HttpRouterTest, TheLongestMatchingPrefixWinsAndTheRestGoesToTheFallback) {
  NamedHandler api("api");
  NamedHandler admin("admin");
  NamedHandler adminAudit("admin-audit");
  HttpRouter router(api);
  router.add("/admin/v1/", admin);
  router.add("/admin/v1/audit", adminAudit);
  EXPECT_EQ(route(router, "/v1/resolve"), "api");
  EXPECT_EQ(route(router, "/admin/v1/sources/hr"), "admin");
  EXPECT_EQ(route(router, "/admin/v1/audit?since=2026"), "admin-audit");
  // The query string is not part of the path.
  EXPECT_EQ(route(router, "/healthz?x=/admin/v1/"), "api");
  EXPECT_EQ(route(router, "/admin/v2/sources"), "api");
}

TEST(HttpRouterTest, ARoutesObserverHearsEachAnswerOfItsHandlerOnly) {
  NamedHandler api("api");
  NamedHandler admin("admin");
  HttpRouter router(api);
  std::vector<unsigned> heard;
  router.add("/admin/v1/", admin, [&](unsigned status, std::chrono::nanoseconds took) {
    EXPECT_GE(took.count(), 0);
    heard.push_back(status);
  });
  route(router, "/admin/v1/clients");
  route(router, "/v1/resolve");
  EXPECT_EQ(heard, std::vector<unsigned>{200});
}

TEST(HttpRouterTest, TheServersOwnRefusalsAreAnsweredByTheFallback) {
  NamedHandler api("api");
  NamedHandler admin("admin");
  HttpRouter router(api);
  router.add("/admin/v1/", admin);
  EXPECT_EQ(router.refuse(Error(ErrorCode::PayloadTooLarge, "too large")).body, "api refused");
}

// An answer the audit writer finishes at shutdown may come after the router is gone: the
// observer it reports to must still be there (AddressSanitizer caught the router's own copy
// being used after it was destroyed).
TEST(HttpRouterTest, AnAnswerFinishedAfterTheRouterIsGoneStillReachesItsObserver) {
  NamedHandler api("api");
  HttpHandler::Respond late;
  class DeferringHandler : public HttpHandler {
   public:
    explicit DeferringHandler(Respond& slot) : slot_(slot) {}
    void handle(HttpRequest /*request*/, Respond respond) override { slot_ = std::move(respond); }
    HttpResponse refuse(const Error& /*error*/) override { return {}; }

   private:
    Respond& slot_;
  } deferring(late);
  int heard = 0;
  std::string answered;
  {
    HttpRouter router(api);
    router.add("/admin/v1/", deferring, [&heard](unsigned, std::chrono::nanoseconds) { ++heard; });
    HttpRequest request;
    request.target = "/admin/v1/audit";
    router.handle(std::move(request), [&](HttpResponse response) { answered = response.body; });
  }
  HttpResponse response;
  response.body = "late";
  late(std::move(response));
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(answered, "late");
}

}  // namespace
}  // namespace oncegate
