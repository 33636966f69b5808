#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/Error.h"
#include "mappings/Dataset.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

Dataset parseFirst(const std::string& text) {
  return Dataset::parse(ConfigNode::parse(text, "test.yaml").items().front());
}

std::string errorOf(const std::string& text) {
  try {
    parseFirst(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

// A dataset item whose query and params lines are given (lines 4 and 5 of the document).
std::string datasetWith(const std::string& query, const std::string& params,
                        const std::string& extra = {}) {
  return "- id: hr.employee\n  source: hr\n  subject: person\n  query: " + query +
         "\n  params: " + params + "\n" + extra;
}

TEST(DatasetTest, RewritesNamedPlaceholdersToPositional) {
  const auto dataset =
      parseFirst(datasetWith("SELECT name, birth_date FROM employee WHERE id_card = :id_card",
                             "{ id_card: subject.id_card }"));
  EXPECT_EQ(dataset.id(), "hr.employee");
  EXPECT_EQ(dataset.source(), "hr");
  EXPECT_EQ(dataset.subject(), "person");
  EXPECT_EQ(dataset.sql(), "SELECT name, birth_date FROM employee WHERE id_card = ?");
  EXPECT_EQ(dataset.query(), "SELECT name, birth_date FROM employee WHERE id_card = :id_card");
  ASSERT_EQ(dataset.params().size(), 1u);
  EXPECT_EQ(dataset.params()[0].name, "id_card");
  EXPECT_EQ(dataset.params()[0].kind, DatasetParam::Kind::SubjectKey);
  EXPECT_EQ(dataset.params()[0].ref, "id_card");
  EXPECT_EQ(dataset.params()[0].location, "test.yaml:5");
  EXPECT_FALSE(dataset.chained());
  EXPECT_EQ(dataset.location(), "test.yaml:1");
}

TEST(DatasetTest, LeavesLiteralsIdentifiersCastsAndCommentsAlone) {
  const auto dataset = parseFirst(R"(- id: d
  source: s
  subject: person
  query: |
    SELECT 'it''s :not', "odd:name", created::date, x /* :c */
    FROM t WHERE k = :key AND k2 = :key -- :tail
  params: { key: subject.id_card }
)");
  EXPECT_EQ(dataset.sql(),
            "SELECT 'it''s :not', \"odd:name\", created::date, x /* :c */\n"
            "FROM t WHERE k = ? AND k2 = ? -- :tail\n");
  ASSERT_EQ(dataset.params().size(), 2u);
  EXPECT_EQ(dataset.params()[0].name, "key");
  EXPECT_EQ(dataset.params()[1].name, "key");
}

TEST(DatasetTest, ReadsTheQueryInItsSourcesDialect) {
  const std::string text = R"(- id: d
  source: s
  subject: person
  query: "SELECT `a:b` FROM t WHERE k = :key"
  params: { key: subject.id_card }
)";
  const auto mysql =
      Dataset::parse(ConfigNode::parse(text, "test.yaml").items().front(), SqlDialect::MySql);
  EXPECT_EQ(mysql.sql(), "SELECT `a:b` FROM t WHERE k = ?");
  ASSERT_EQ(mysql.params().size(), 1u);
  // In standard SQL a backtick is plain text: `:b` is a placeholder without a param.
  EXPECT_THAT(errorOf(text), HasSubstr("placeholder :b has no entry in params"));
}

TEST(DatasetTest, KeepsParamsInPlaceholderOrder) {
  const auto dataset =
      parseFirst(datasetWith("SELECT a FROM t WHERE y = :year AND k = :id_card",
                             "{ id_card: subject.id_card, year: field.person.retire_year }"));
  EXPECT_EQ(dataset.sql(), "SELECT a FROM t WHERE y = ? AND k = ?");
  ASSERT_EQ(dataset.params().size(), 2u);
  EXPECT_EQ(dataset.params()[0].name, "year");
  EXPECT_EQ(dataset.params()[0].kind, DatasetParam::Kind::Field);
  EXPECT_EQ(dataset.params()[0].ref, "person.retire_year");
  EXPECT_EQ(dataset.params()[1].name, "id_card");
  EXPECT_TRUE(dataset.chained());
}

TEST(DatasetTest, ParsesChainedFieldParam) {
  const auto dataset =
      parseFirst(datasetWith("SELECT balance FROM account WHERE account_no = :acct",
                             "{ acct: field.person.fund_account }"));
  ASSERT_EQ(dataset.params().size(), 1u);
  EXPECT_EQ(dataset.params()[0].kind, DatasetParam::Kind::Field);
  EXPECT_EQ(dataset.params()[0].ref, "person.fund_account");
  EXPECT_TRUE(dataset.chained());
}

TEST(DatasetTest, AppliesDefaultTtls) {
  const auto dataset =
      parseFirst(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }"));
  EXPECT_EQ(dataset.ttl(), 10min);
  EXPECT_EQ(dataset.notFoundTtl(), 30s);
}

TEST(DatasetTest, ReadsTtlsAndNeverKeepsNotFoundLongerThanRows) {
  const auto explicitTtls =
      parseFirst(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }",
                             "  ttl: 1m\n  not_found_ttl: 5s\n"));
  EXPECT_EQ(explicitTtls.ttl(), 1min);
  EXPECT_EQ(explicitTtls.notFoundTtl(), 5s);
  const auto shortTtl = parseFirst(
      datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }", "  ttl: 10s\n"));
  EXPECT_EQ(shortTtl.notFoundTtl(), 10s);
}

TEST(DatasetTest, FingerprintFollowsSourceQueryAndParams) {
  const auto base =
      parseFirst(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }"));
  const auto same =
      parseFirst(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }"));
  const auto otherQuery =
      parseFirst(datasetWith("SELECT a, b FROM t WHERE k = :k", "{ k: subject.id_card }"));
  const auto otherParam =
      parseFirst(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: field.person.x }"));
  const auto otherSource = parseFirst(
      "- id: hr.employee\n  source: tax\n  subject: person\n  query: SELECT a FROM t WHERE k = "
      ":k\n  params: { k: subject.id_card }\n");
  EXPECT_EQ(base.fingerprint().size(), 64u);
  EXPECT_EQ(base.fingerprint().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(base.fingerprint(), same.fingerprint());
  EXPECT_NE(base.fingerprint(), otherQuery.fingerprint());
  EXPECT_NE(base.fingerprint(), otherParam.fingerprint());
  EXPECT_NE(base.fingerprint(), otherSource.fingerprint());
}

TEST(DatasetTest, RejectsPlaceholderWithoutParam) {
  EXPECT_THAT(
      errorOf(datasetWith("SELECT a FROM t WHERE k = :k AND y = :year", "{ k: subject.id_card }")),
      HasSubstr("test.yaml:4: placeholder :year has no entry in params"));
}

TEST(DatasetTest, RejectsParamNotUsedInQuery) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t WHERE k = :k",
                                  "{ k: subject.id_card, extra: subject.id_card }")),
              HasSubstr("test.yaml:5: parameter 'extra' is not used in the query"));
}

TEST(DatasetTest, RejectsParamThatIsNeitherSubjectNorField) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: person.id_card }")),
              HasSubstr("test.yaml:5: parameter 'k' must be subject.KEY or field.FIELD_ID"));
}

TEST(DatasetTest, RejectsPositionalQuestionMark) {
  EXPECT_THAT(
      errorOf(datasetWith("SELECT a FROM t WHERE k = ? AND j = :k", "{ k: subject.id_card }")),
      HasSubstr("test.yaml:4: query uses '?'"));
}

TEST(DatasetTest, RejectsUnterminatedStringLiteral) {
  EXPECT_THAT(
      errorOf(datasetWith("\"SELECT a FROM t WHERE k = :k AND s = 'x\"", "{ k: subject.id_card }")),
      HasSubstr("test.yaml:4: query has an unterminated string literal"));
}

TEST(DatasetTest, RejectsQueryWithoutPlaceholder) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t", "{ k: subject.id_card }")),
              HasSubstr("test.yaml:4: query has no :name placeholder"));
}

TEST(DatasetTest, RejectsNotFoundTtlLongerThanTtl) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }",
                                  "  ttl: 1m\n  not_found_ttl: 2m\n")),
              HasSubstr("test.yaml:7: not_found_ttl must not exceed ttl"));
}

TEST(DatasetTest, RejectsMalformedTtl) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }",
                                  "  ttl: ten minutes\n")),
              HasSubstr("test.yaml:6: expected a duration"));
}

TEST(DatasetTest, RejectsUnknownKey) {
  EXPECT_THAT(errorOf(datasetWith("SELECT a FROM t WHERE k = :k", "{ k: subject.id_card }",
                                  "  cache: 1m\n")),
              HasSubstr("test.yaml:6: unknown key 'cache'"));
}

TEST(DatasetTest, RejectsMissingParams) {
  EXPECT_THAT(
      errorOf("- id: d\n  source: s\n  subject: person\n  query: SELECT a FROM t WHERE k = :k\n"),
      HasSubstr("test.yaml:1: missing required key 'params'"));
}

}  // namespace
}  // namespace oncegate
