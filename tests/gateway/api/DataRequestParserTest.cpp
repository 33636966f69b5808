#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/Error.h"
#include "gateway/api/DataRequestParser.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using Kind = DataRequestParser::Kind;

std::string errorOf(std::string body, Kind kind = Kind::Resolve) {
  try {
    DataRequestParser::parse(body, kind);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "<no error>";
}

TEST(DataRequestParserTest, ParsesAResolveRequest) {
  std::string body = R"({"purpose":"retirement","case":"LS-1",
    "subject":{"type":"person","id_card":"11010519491231002X"},
    "fields":["person.name","fund.balance"]})";
  const auto request = DataRequestParser::parse(body, Kind::Resolve);
  EXPECT_EQ(request.purpose, "retirement");
  EXPECT_EQ(request.caseNumber, "LS-1");
  EXPECT_EQ(request.subjectType, "person");
  ASSERT_EQ(request.subjectKeys.size(), 1U);
  EXPECT_EQ(request.subjectKeys[0].first, "id_card");
  EXPECT_EQ(request.subjectKeys[0].second, "11010519491231002X");
  EXPECT_EQ(request.fields, (std::vector<std::string>{"person.name", "fund.balance"}));
}

TEST(DataRequestParserTest, ParsesClaimsAsCanonicalText) {
  std::string body = R"({"purpose":"p","subject":{"type":"t","k":"v"},
    "claims":{"a":"张三","b":12,"c":true,"d":"\u5f20"}})";
  const auto request = DataRequestParser::parse(body, Kind::Verify);
  ASSERT_EQ(request.claims.size(), 4U);
  EXPECT_EQ(request.claims[0].second, "张三");
  EXPECT_EQ(request.claims[1].second, "12");
  EXPECT_EQ(request.claims[2].second, "true");
  EXPECT_EQ(request.claims[3].second, "张");
}

TEST(DataRequestParserTest, SaysWhatIsMissingOrWrong) {
  EXPECT_THAT(errorOf(R"({"subject":{"type":"t"},"fields":[]})"), HasSubstr("purpose is required"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","fields":[]})"), HasSubstr("subject is required"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"type":"t"}})"),
              HasSubstr("fields is required"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"k":"v"},"fields":[]})"),
              HasSubstr("subject.type is required"));
  EXPECT_THAT(errorOf(R"({"purpose":1})"), HasSubstr("purpose has the wrong type"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","fields":[1]})"), HasSubstr("wrong type"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","extra":1})"), HasSubstr("unknown key 'extra'"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","claims":{}})"), HasSubstr("unknown key 'claims'"));
  EXPECT_THAT(
      errorOf(R"({"purpose":"p","claims":{"a":null},"subject":{"type":"t"}})", Kind::Verify),
      HasSubstr("claim 'a' must be"));
  EXPECT_THAT(errorOf(R"({"purpose":"p"} x)"), HasSubstr("malformed JSON"));
  EXPECT_THAT(errorOf(""), HasSubstr("malformed JSON"));
}

// JSONTestSuite (shared/test-data): every document the suite calls invalid is refused with a
// BadRequest and no other exception; valid and implementation-defined ones never crash either.
TEST(DataRequestParserTest, SurvivesJsonTestSuite) {
  const auto parsing = std::filesystem::path(ONCEGATE_SOURCE_DIR) / ".." / "shared" / "test-data" /
                       "JSONTestSuite" / "test_parsing";
  ASSERT_TRUE(std::filesystem::is_directory(parsing)) << parsing << " is missing";
  int invalid = 0;
  for (const auto& entry : std::filesystem::directory_iterator(parsing)) {
    const auto name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string body = content.str();
    try {
      DataRequestParser::parse(body, Kind::Resolve);
      ADD_FAILURE() << name << " was accepted as a resolve request";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest) << name;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " threw " << e.what();
    }
    if (name.rfind("n_", 0) == 0) ++invalid;
  }
  EXPECT_GT(invalid, 100);
}

// Every document the suite calls valid, placed where a claim's value goes, is read as JSON: it is
// either accepted (a scalar) or refused for its type, never as malformed JSON.
TEST(DataRequestParserTest, AcceptsEveryValidJsonTestSuiteDocumentAsAValue) {
  const auto parsing = std::filesystem::path(ONCEGATE_SOURCE_DIR) / ".." / "shared" / "test-data" /
                       "JSONTestSuite" / "test_parsing";
  int valid = 0;
  for (const auto& entry : std::filesystem::directory_iterator(parsing)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("y_", 0) != 0) continue;
    ++valid;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string body =
        R"({"purpose":"p","subject":{"type":"t"},"claims":{"a":)" + content.str() + "}}";
    try {
      DataRequestParser::parse(body, Kind::Verify);
    } catch (const Error& e) {
      EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("malformed"))) << name;
    }
  }
  EXPECT_GT(valid, 90);
}

// Issue 9, finding 2: most readers keep one of two equal keys, so a repeat would let the subject
// served and the subject audited differ. Every object of the body refuses one, naming the key.
TEST(DataRequestParserTest, RefusesARepeatedKeyInAnyObject) {
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"type":"t","id_card":"A","id_card":"B"},
    "fields":["x"]})"),
              HasSubstr("key 'id_card' appears twice in subject"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"type":"t","type":"u","k":"v"},"fields":[]})"),
              HasSubstr("key 'type' appears twice in subject"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","purpose":"q","subject":{"type":"t"},"fields":[]})"),
              HasSubstr("key 'purpose' appears twice in the body"));
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"type":"t"},"subject":{"type":"u"},
    "fields":[]})"),
              HasSubstr("key 'subject' appears twice in the body"));
  EXPECT_THAT(
      errorOf(R"({"purpose":"p","subject":{"type":"t"},"claims":{"a":"1","a":"2"}})", Kind::Verify),
      HasSubstr("key 'a' appears twice in claims"));
  // Escapes are compared after unescaping: "\u0069d" is "id".
  EXPECT_THAT(errorOf(R"({"purpose":"p","subject":{"type":"t","id":"A","\u0069d":"B"},
    "fields":[]})"),
              HasSubstr("key 'id' appears twice in subject"));
}

}  // namespace
}  // namespace oncegate

namespace oncegate {
namespace {

std::string accessErrorOf(std::string body) {
  try {
    DataRequestParser::parseAccesses(body);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "<no error>";
}

TEST(DataRequestParserAccessesTest, ParsesSubjectAndPeriod) {
  std::string body = R"({"subject":{"type":"person","id_card":"11010519491231002X"},
    "from":"2026-01-01","to":"2026-12-31T18:00:00Z"})";
  const auto request = DataRequestParser::parseAccesses(body);
  EXPECT_EQ(request.subjectType, "person");
  ASSERT_EQ(request.subjectKeys.size(), 1U);
  EXPECT_EQ(request.subjectKeys[0].second, "11010519491231002X");
  EXPECT_EQ(request.from, "2026-01-01");
  EXPECT_EQ(request.to, "2026-12-31T18:00:00Z");
}

TEST(DataRequestParserAccessesTest, SaysWhatIsMissingOrWrong) {
  const std::string subject = R"("subject":{"type":"person","id_card":"1"})";
  EXPECT_THAT(accessErrorOf(R"({"from":"2026-01-01","to":"2026-01-02"})"),
              HasSubstr("subject is required"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"to":"2026-01-02"})"),
              HasSubstr("from is required"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"from":"2026-01-01"})"),
              HasSubstr("to is required"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"from":1,"to":"2026-01-02"})"),
              HasSubstr("from has the wrong type"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"from":"a","to":"b","purpose":"x"})"),
              HasSubstr("unknown key 'purpose'"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"from":"a","from":"b","to":"c"})"),
              HasSubstr("appears twice"));
  EXPECT_THAT(accessErrorOf("{" + subject + R"(,"from":"a","to":"b"} x)"),
              HasSubstr("malformed JSON"));
}

}  // namespace
}  // namespace oncegate
