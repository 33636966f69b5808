#include <gtest/gtest.h>
#include <unistd.h>

#include "AuditSearchChecks.h"
#include "TestServers.h"

namespace oncegate {
namespace {

// The same queries on the real PostgreSQL, in a database of its own per test.
class AuditSearchPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = "oncegate_auditsearch_test_" + std::to_string(::getpid());
    testing::runPostgresSql("DROP DATABASE IF EXISTS " + database_ +
                            " WITH (FORCE);\nCREATE DATABASE " + database_ + ";\n");
    connection_ = testing::postgresOdbc();
    const std::string current = "Database=oncegate_test";
    const auto at = connection_.find(current);
    ASSERT_NE(at, std::string::npos) << "unexpected test connection string";
    connection_.replace(at, current.size(), "Database=" + database_);
  }
  void TearDown() override {
    testing::runPostgresSql("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE);\n");
  }

  std::string database_;
  std::string connection_;
};

TEST_F(AuditSearchPostgresTest, EveryFilterNarrows) {
  auditsearchchecks::everyFilterNarrows(connection_);
}

TEST_F(AuditSearchPostgresTest, RecordsAreTheLinesAsWrittenWithTheirColumns) {
  auditsearchchecks::recordsAreTheLinesAsWrittenWithTheirColumns(connection_);
}

TEST_F(AuditSearchPostgresTest, PagesFollowTimeInstanceSeqWithoutRepeatOrGap) {
  auditsearchchecks::pagesFollowTimeInstanceSeqWithoutRepeatOrGap(connection_);
}

TEST_F(AuditSearchPostgresTest, TheLimitIsClampedAndABadCursorRefused) {
  auditsearchchecks::theLimitIsClampedAndABadCursorRefused(connection_);
}

TEST_F(AuditSearchPostgresTest, TheCitizenSeesDataAccessesOnlyAndConfidentialOnesFromTheirDay) {
  auditsearchchecks::theCitizenSeesDataAccessesOnlyAndConfidentialOnesFromTheirDay(connection_);
}

}  // namespace
}  // namespace oncegate
