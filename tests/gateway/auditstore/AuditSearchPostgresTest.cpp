#include <gtest/gtest.h>
#include <unistd.h>

#include "AuditSearchChecks.h"
#include "PostgresTestDatabase.h"
#include "TestServers.h"

namespace oncegate {
namespace {

// The same queries on the real PostgreSQL, in a database of its own per test.
class AuditSearchPostgresTest : public ::testing::Test {
 protected:
  testing::PostgresTestDatabase database_{"oncegate_auditsearch_test"};
  std::string connection_ = database_.odbc();
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
