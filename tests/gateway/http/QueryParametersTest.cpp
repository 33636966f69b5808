#include <gtest/gtest.h>

#include "common/Error.h"
#include "gateway/http/QueryParameters.h"

namespace oncegate {
namespace {

ErrorCode codeOf(void (*call)()) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

TEST(QueryParametersTest, DecodesNamesAndValuesOfTheQueryOnly) {
  const auto query = QueryParameters::parse(
      "/admin/v1/audit?client=%E5%B8%82%E5%9C%BA-app&route=/v1/resolve&note=a+b&flag&&empty=");
  EXPECT_EQ(query.find("client"), "市场-app");
  EXPECT_EQ(query.find("route"), "/v1/resolve");
  EXPECT_EQ(query.find("note"), "a b");
  EXPECT_EQ(query.find("flag"), "");
  EXPECT_EQ(query.find("empty"), "");
  EXPECT_EQ(query.find("missing"), std::nullopt);
  EXPECT_EQ(QueryParameters::parse("/admin/v1/audit").find("client"), std::nullopt);
}

TEST(QueryParametersTest, PathSegmentsKeepTheirPlusSigns) {
  EXPECT_EQ(QueryParameters::decode("org.%E5%90%8D+x%2Fy", false), "org.名+x/y");
  EXPECT_EQ(QueryParameters::decode("a+b", true), "a b");
}

TEST(QueryParametersTest, ABrokenEscapeIsTheCallersMistake) {
  EXPECT_EQ(codeOf([] { QueryParameters::decode("50%", false); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([] { QueryParameters::decode("%G1", false); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([] { QueryParameters::parse("/x?a=%4"); }), ErrorCode::BadRequest);
}

TEST(QueryParametersTest, IntegersAreCheckedAgainstTheirRange) {
  const auto query = QueryParameters::parse("/x?limit=25&big=99999&word=ten&neg=-1");
  EXPECT_EQ(query.integer("limit", 100, 1, 1000), 25);
  EXPECT_EQ(query.integer("absent", 100, 1, 1000), 100);
  EXPECT_THROW(query.integer("big", 100, 1, 1000), Error);
  EXPECT_THROW(query.integer("word", 100, 1, 1000), Error);
  EXPECT_THROW(query.integer("neg", 100, 1, 1000), Error);
}

TEST(QueryParametersTest, AnUnknownParameterIsNamed) {
  const auto query = QueryParameters::parse("/x?limit=1&clinet=a");
  try {
    query.allowOnly({"limit", "client"});
    FAIL() << "accepted an unknown parameter";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_EQ(e.message(), "unknown query parameter 'clinet' (known: limit, client)");
  }
  EXPECT_NO_THROW(QueryParameters::parse("/x?limit=1").allowOnly({"limit"}));
}

}  // namespace
}  // namespace oncegate
