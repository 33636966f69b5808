#include <gtest/gtest.h>

#include "connectors/postgresql/PostgresPlaceholders.h"

namespace oncegate::postgres {
namespace {

TEST(PostgresPlaceholdersTest, NumbersEachPlaceholderInOrder) {
  EXPECT_EQ(numberedPlaceholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(numberedPlaceholders("SELECT 1"), "SELECT 1");
}

TEST(PostgresPlaceholdersTest, KeepsQuestionMarksThatAreText) {
  EXPECT_EQ(numberedPlaceholders("SELECT '?', \"a?\" FROM t WHERE x = ? -- why?\nAND y = ?"),
            "SELECT '?', \"a?\" FROM t WHERE x = $1 -- why?\nAND y = $2");
  EXPECT_EQ(numberedPlaceholders("SELECT 'it''s ?' /* a ? /* nested ? */ still ? */, ?"),
            "SELECT 'it''s ?' /* a ? /* nested ? */ still ? */, $1");
  EXPECT_EQ(numberedPlaceholders("SELECT E'\\'?', $$ ? $$, $tag$ ?$ $tag$, ?"),
            "SELECT E'\\'?', $$ ? $$, $tag$ ?$ $tag$, $1");
}

TEST(PostgresPlaceholdersTest, AnUnterminatedQuoteOrCommentEndsTheText) {
  EXPECT_EQ(numberedPlaceholders("SELECT ? WHERE '?"), "SELECT $1 WHERE '?");
  EXPECT_EQ(numberedPlaceholders("SELECT ? /* ?"), "SELECT $1 /* ?");
  EXPECT_EQ(numberedPlaceholders("SELECT $1"), "SELECT $1");
}

}  // namespace
}  // namespace oncegate::postgres
