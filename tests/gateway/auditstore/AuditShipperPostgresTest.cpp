#include <gtest/gtest.h>
#include <unistd.h>

#include "AuditShipperChecks.h"
#include "PostgresTestDatabase.h"
#include "TestServers.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;

// The central audit record on the real PostgreSQL, in a database of its own per test, created
// and dropped here so that nothing collides with other tests on the same server.
class AuditShipperPostgresTest : public ::testing::Test {
 protected:
  testing::PostgresTestDatabase database_{"oncegate_auditstore_test"};
  std::string store_ = database_.odbc();
};

TEST_F(AuditShipperPostgresTest, ShipsEveryLineWithItsColumns) {
  shipperchecks::shipsEveryLineWithItsColumns(store_);
}

TEST_F(AuditShipperPostgresTest, ResumesAfterARestart) {
  shipperchecks::resumesAfterARestart(store_);
}

TEST_F(AuditShipperPostgresTest, FollowsRotationSkipsTornLinesAndKeepsCheckpoints) {
  shipperchecks::followsRotationSkipsTornLinesAndKeepsCheckpoints(store_);
}

TEST_F(AuditShipperPostgresTest, FollowsTheWriterAcrossLiveRotations) {
  shipperchecks::followsTheWriterAcrossLiveRotations(store_);
}

TEST_F(AuditShipperPostgresTest, StartsAtTheCountTheOldestRotationRecordGives) {
  shipperchecks::startsAtTheCountTheOldestRotationRecordGives(store_);
}

TEST_F(AuditShipperPostgresTest, StopsWhenTheTrailDoesNotContinueWhatWasShipped) {
  shipperchecks::stopsWhenTheTrailDoesNotContinueWhatWasShipped(store_);
}

TEST_F(AuditShipperPostgresTest, TwoShippersOfOneInstanceNeverInterleave) {
  shipperchecks::twoShippersOfOneInstanceNeverInterleave(store_);
}

TEST_F(AuditShipperPostgresTest, TwoInstancesShipApart) {
  shipperchecks::twoInstancesShipApart(store_);
}

// An outage: the store is first a port where nothing listens (the shipper counts failures and
// ships nothing), then, after a restart of the shipper pointed at the real server, everything
// is shipped once.
TEST_F(AuditShipperPostgresTest, ShipsEverythingOnceAfterAnOutage) {
  shipperchecks::TempDir dir;
  const auto trail = dir.path() / "audit.jsonl";
  shipperchecks::appendChained(trail, std::string(AuditLine::kFirstPrev),
                               {shipperchecks::accessRecord(0), shipperchecks::accessRecord(1)});
  auto down = store_;
  const auto port = down.find("Port=");
  ASSERT_NE(port, std::string::npos);
  down.replace(port, down.find(';', port) - port, "Port=1");
  {
    AuditShipper shipper(shipperchecks::options(down, trail));
    const auto deadline = std::chrono::steady_clock::now() + shipperchecks::kWait;
    while (shipper.stats().failures < 2 && std::chrono::steady_clock::now() < deadline) {
      shipper.waitShipped(1, 10ms);
    }
    EXPECT_GE(shipper.stats().failures, 2U);
    EXPECT_EQ(shipper.shippedSeq(), 0);
    EXPECT_GT(shipper.stats().backlogBytes, 0U);
  }
  AuditShipper shipper(shipperchecks::options(store_, trail));
  ASSERT_TRUE(shipper.waitShipped(2, shipperchecks::kWait));
  odbc::OdbcClient client(store_, "audit store");
  shipperchecks::expectChainFromTheStore(client, "gw-a", 2);
}

}  // namespace
}  // namespace oncegate
