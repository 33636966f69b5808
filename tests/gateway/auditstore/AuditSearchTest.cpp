#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "AuditSearchChecks.h"

namespace oncegate {
namespace {

// The central audit record's queries on SQLite through ODBC, a fresh file per test.
class AuditSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-auditsearch-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string connection() const {
    return "Driver=SQLite3;Database=" + (directory_ / "audit.db").string();
  }

  std::filesystem::path directory_;
};

TEST_F(AuditSearchTest, EveryFilterNarrows) { auditsearchchecks::everyFilterNarrows(connection()); }

TEST_F(AuditSearchTest, RecordsAreTheLinesAsWrittenWithTheirColumns) {
  auditsearchchecks::recordsAreTheLinesAsWrittenWithTheirColumns(connection());
}

TEST_F(AuditSearchTest, PagesFollowTimeInstanceSeqWithoutRepeatOrGap) {
  auditsearchchecks::pagesFollowTimeInstanceSeqWithoutRepeatOrGap(connection());
}

TEST_F(AuditSearchTest, TheLimitIsClampedAndABadCursorRefused) {
  auditsearchchecks::theLimitIsClampedAndABadCursorRefused(connection());
}

TEST_F(AuditSearchTest, TheCitizenSeesDataAccessesOnlyAndConfidentialOnesFromTheirDay) {
  auditsearchchecks::theCitizenSeesDataAccessesOnlyAndConfidentialOnesFromTheirDay(connection());
}

TEST(AuditSearchTimeTest, WhatAUserTypesBecomesTheStoresTimeFormat) {
  EXPECT_EQ(AuditSearch::canonicalTime("2026-12-05"), "2026-12-05T00:00:00.000Z");
  EXPECT_EQ(AuditSearch::canonicalTime("2026-12-05T01:02:03Z"), "2026-12-05T01:02:03.000Z");
  EXPECT_EQ(AuditSearch::canonicalTime("2026-12-05T01:02:03.4567Z"), "2026-12-05T01:02:03.456Z");
  EXPECT_FALSE(AuditSearch::canonicalTime("yesterday").has_value());
  EXPECT_FALSE(AuditSearch::canonicalTime("2026-02-30").has_value());
}

}  // namespace
}  // namespace oncegate
