#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/http/ErrorResponse.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ErrorResponseTest, EveryCodeGoesOutWithItsStatusNameAndRequestId) {
  const struct {
    ErrorCode code;
    unsigned status;
    const char* name;
  } cases[] = {{ErrorCode::BadRequest, 400, "bad_request"},
               {ErrorCode::Unauthenticated, 401, "unauthenticated"},
               {ErrorCode::Forbidden, 403, "forbidden"},
               {ErrorCode::NotFound, 404, "not_found"},
               {ErrorCode::MethodNotAllowed, 405, "method_not_allowed"},
               {ErrorCode::Conflict, 409, "conflict"},
               {ErrorCode::PayloadTooLarge, 413, "payload_too_large"},
               {ErrorCode::InvalidConfig, 422, "invalid_config"},
               {ErrorCode::RateLimited, 429, "rate_limited"},
               {ErrorCode::HeadersTooLarge, 431, "headers_too_large"},
               {ErrorCode::Internal, 500, "internal"},
               {ErrorCode::Overloaded, 503, "overloaded"},
               {ErrorCode::SourceUnavailable, 503, "source_unavailable"},
               {ErrorCode::SourceTimeout, 503, "source_timeout"},
               {ErrorCode::CacheUnavailable, 503, "cache_unavailable"}};
  for (const auto& c : cases) {
    const auto response = errorResponse(Error(c.code, "what to do"), "0123456789abcdef");
    EXPECT_EQ(response.status, c.status) << c.name;
    EXPECT_EQ(response.requestId, "0123456789abcdef");
    if (c.code == ErrorCode::InvalidConfig) continue;  // its body also lists problems: below
    EXPECT_EQ(response.body, std::string(R"({"error":")") + c.name +
                                 R"(","message":"what to do","request_id":"0123456789abcdef"})");
  }
}

TEST(ErrorResponseTest, TheDetailNeverReachesTheBody) {
  const auto response =
      errorResponse(Error(ErrorCode::SourceUnavailable, "source 'hr' failed the query",
                          "[unixODBC] PWD=secret host=10.0.0.5", "08001"),
                    "r");
  EXPECT_THAT(response.body, Not(HasSubstr("secret")));
  EXPECT_THAT(response.body, Not(HasSubstr("08001")));
}

TEST(ErrorResponseTest, AnInvalidConfigurationListsEachProblem) {
  const auto response = errorResponse(
      Error(ErrorCode::InvalidConfig, "a.yaml:3: unknown key 'x'\nb.yaml:9: no source 'hr'"), "r");
  EXPECT_EQ(response.status, 422);
  EXPECT_THAT(response.body,
              HasSubstr(R"("problems":["a.yaml:3: unknown key 'x'","b.yaml:9: no source 'hr'"])"));
}

TEST(ErrorResponseTest, EachProblemsLineIsGivenApartSoAnEditorCanShowItBesideTheLine) {
  // The console's policy editor puts each reason beside its line; it must not parse the text.
  const auto response =
      errorResponse(Error(ErrorCode::InvalidConfig,
                          "request body:7: unknown key 'alow'\n"
                          "config/policies/a.yaml:12: policy 'a' names unknown client 'x:1: y'\n"
                          "include: 'extra/*.yaml' does not exist"),
                    "r");
  EXPECT_THAT(response.body,
              HasSubstr(R"("locations":[)"
                        R"({"origin":"request body","line":7,"reason":"unknown key 'alow'"},)"
                        R"({"origin":"config/policies/a.yaml","line":12,)"
                        R"("reason":"policy 'a' names unknown client 'x:1: y'"},)"
                        R"({"origin":null,"line":null,)"
                        R"("reason":"include: 'extra/*.yaml' does not exist"}])"));
}

TEST(ErrorResponseTest, OnlyAnInvalidConfigurationCarriesLocations) {
  const auto response = errorResponse(Error(ErrorCode::BadRequest, "request body:3: bad"), "r");
  EXPECT_THAT(response.body, Not(HasSubstr("locations")));
}

}  // namespace
}  // namespace oncegate
