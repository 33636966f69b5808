#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mappings/PlaceholderRewriter.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

PlaceholderRewriter::Result standard(const std::string& query) {
  return PlaceholderRewriter(SqlDialect::Standard).rewrite(query);
}

PlaceholderRewriter::Result mysql(const std::string& query) {
  return PlaceholderRewriter(SqlDialect::MySql).rewrite(query);
}

TEST(PlaceholderRewriterTest, RewritesNamesToPositionalInOrderInBothDialects) {
  for (const auto dialect : {SqlDialect::Standard, SqlDialect::MySql}) {
    const auto out =
        PlaceholderRewriter(dialect).rewrite("SELECT a FROM t WHERE y = :year AND k = :id_card");
    EXPECT_EQ(out.problem, "");
    EXPECT_EQ(out.sql, "SELECT a FROM t WHERE y = ? AND k = ?");
    EXPECT_THAT(out.names, ElementsAre("year", "id_card"));
  }
}

TEST(PlaceholderRewriterTest, StandardLeavesLiteralsIdentifiersCastsAndCommentsAlone) {
  const auto out = standard(
      "SELECT 'it''s :not', \"odd:name\", created::date /* :c */ FROM t WHERE k = :key -- :tail");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(
      out.sql,
      "SELECT 'it''s :not', \"odd:name\", created::date /* :c */ FROM t WHERE k = ? -- :tail");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

// MariaDB: `...` is an identifier; a `:x` in it is part of the name.
TEST(PlaceholderRewriterTest, MySqlBacktickIdentifierHoldsNoPlaceholder) {
  const auto out = mysql("SELECT `odd:name`, `a``:b` FROM `t:1` WHERE k = :key");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, "SELECT `odd:name`, `a``:b` FROM `t:1` WHERE k = ?");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, StandardReadsBackticksAsPlainText) {
  // Not quotes in standard SQL: the placeholder between them is one.
  const auto out = standard("SELECT `:key` FROM t");
  EXPECT_EQ(out.sql, "SELECT `?` FROM t");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, MySqlHashCommentRunsToTheEndOfTheLine) {
  const auto out = mysql("SELECT a # the :old key\nFROM t WHERE k = :key #:tail");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, "SELECT a # the :old key\nFROM t WHERE k = ? #:tail");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, StandardReadsHashAsAnOperator) {
  // PostgreSQL's # is bitwise XOR, not a comment.
  const auto out = standard("SELECT flags # :mask FROM t WHERE k = :key");
  EXPECT_THAT(out.names, ElementsAre("mask", "key"));
}

TEST(PlaceholderRewriterTest, MySqlDashCommentNeedsABlankAfterTheDashes) {
  const auto comment = mysql("SELECT a FROM t WHERE k = :key -- :old\n AND b = 1 --\n");
  EXPECT_EQ(comment.problem, "");
  EXPECT_EQ(comment.sql, "SELECT a FROM t WHERE k = ? -- :old\n AND b = 1 --\n");
  EXPECT_THAT(comment.names, ElementsAre("key"));
  // 5--:n is 5 minus minus :n in MariaDB: the placeholder is real.
  const auto minus = mysql("SELECT 5--:n FROM t WHERE k = :key");
  EXPECT_EQ(minus.sql, "SELECT 5--? FROM t WHERE k = ?");
  EXPECT_THAT(minus.names, ElementsAre("n", "key"));
}

TEST(PlaceholderRewriterTest, MySqlBlockCommentHoldsNoPlaceholder) {
  const auto out = mysql("SELECT a /* :old\n :older */ FROM t WHERE k = :key");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, "SELECT a /* :old\n :older */ FROM t WHERE k = ?");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

// 'it\'s :x' is one string in MariaDB: read with standard rules the string would end at \'
// and :x would be taken for a placeholder.
TEST(PlaceholderRewriterTest, MySqlBackslashEscapesInsideSingleQuotes) {
  const auto out = mysql(R"(SELECT 'it\'s :x', 'a\\' FROM t WHERE k = :key AND n <> 'c:\\')");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, R"(SELECT 'it\'s :x', 'a\\' FROM t WHERE k = ? AND n <> 'c:\\')");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, MySqlDoubleQuotesAreStringsWithBackslashEscapes) {
  const auto out = mysql(R"(SELECT "say \":x\"", "a"":b" FROM t WHERE k = :key)");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, R"(SELECT "say \":x\"", "a"":b" FROM t WHERE k = ?)");
  EXPECT_THAT(out.names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, StandardBackslashIsNoEscape) {
  // 'c:\' is a whole string in standard SQL, so :key after it is a placeholder.
  const auto out = standard(R"(SELECT 'c:\' FROM t WHERE k = :key)");
  EXPECT_EQ(out.problem, "");
  EXPECT_THAT(out.names, ElementsAre("key"));
  // The same query in MariaDB never closes its string.
  EXPECT_EQ(mysql(R"(SELECT 'c:\' FROM t WHERE k = :key)").problem,
            "query has an unterminated string literal");
}

TEST(PlaceholderRewriterTest, StandardEscapeStringTakesBackslashEscapes) {
  // PostgreSQL's E'...': 'it\'s :x' is one string there as in MariaDB.
  const auto out = standard(R"(SELECT E'it\'s :x', e'\\' FROM t WHERE k = :key)");
  EXPECT_EQ(out.problem, "");
  EXPECT_EQ(out.sql, R"(SELECT E'it\'s :x', e'\\' FROM t WHERE k = ?)");
  EXPECT_THAT(out.names, ElementsAre("key"));
  // The e of a type name before a literal is no escape prefix.
  EXPECT_THAT(standard(R"(SELECT date'c:\' FROM t WHERE k = :key)").names, ElementsAre("key"));
}

TEST(PlaceholderRewriterTest, ReportsWhatCannotBeBound) {
  EXPECT_EQ(mysql("SELECT `a FROM t WHERE k = :key").problem,
            "query has an unterminated quoted identifier");
  EXPECT_EQ(mysql("SELECT \"a FROM t WHERE k = :key").problem,
            "query has an unterminated string literal");
  EXPECT_EQ(standard("SELECT \"a FROM t WHERE k = :key").problem,
            "query has an unterminated quoted identifier");
  EXPECT_EQ(mysql("SELECT a /* FROM t WHERE k = :key").problem,
            "query has an unterminated /* comment");
  EXPECT_EQ(mysql("SELECT a FROM t WHERE k = ?").problem,
            "query uses '?': write named placeholders such as :id_card");
  // A trailing backslash escapes nothing and leaves the string open.
  EXPECT_EQ(mysql("SELECT 'a\\").problem, "query has an unterminated string literal");
}

TEST(PlaceholderRewriterTest, MySqlAssignmentIsNoPlaceholder) {
  const auto out = mysql("SELECT @n := :key");
  EXPECT_EQ(out.sql, "SELECT @n := ?");
  EXPECT_THAT(out.names, ElementsAre("key"));
  EXPECT_THAT(mysql("SELECT 1").names, IsEmpty());
}

}  // namespace
}  // namespace oncegate
