#include <gtest/gtest.h>

#include "AuditShipperChecks.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using shipperchecks::TempDir;

// The store is SQLite through ODBC, a database file per test. SQLite lets one writer in at a
// time: a shipper that waits for the lock gives up soon (Timeout, the driver's busy timeout in
// ms, 100 s by default) and retries, as it does whenever the store fails.
class AuditShipperTest : public ::testing::Test {
 protected:
  std::string store() const {
    return "Driver=SQLite3;Timeout=200;Database=" + (dir_.path() / "store.db").string();
  }

  TempDir dir_;
};

TEST_F(AuditShipperTest, ShipsEveryLineWithItsColumns) {
  shipperchecks::shipsEveryLineWithItsColumns(store());
}

TEST_F(AuditShipperTest, ResumesAfterARestart) { shipperchecks::resumesAfterARestart(store()); }

TEST_F(AuditShipperTest, FollowsRotationSkipsTornLinesAndKeepsCheckpoints) {
  shipperchecks::followsRotationSkipsTornLinesAndKeepsCheckpoints(store());
}

TEST_F(AuditShipperTest, FollowsTheWriterAcrossLiveRotations) {
  shipperchecks::followsTheWriterAcrossLiveRotations(store());
}

TEST_F(AuditShipperTest, StartsAtTheCountTheOldestRotationRecordGives) {
  shipperchecks::startsAtTheCountTheOldestRotationRecordGives(store());
}

TEST_F(AuditShipperTest, StopsWhenTheTrailDoesNotContinueWhatWasShipped) {
  shipperchecks::stopsWhenTheTrailDoesNotContinueWhatWasShipped(store());
}

TEST_F(AuditShipperTest, TwoShippersOfOneInstanceNeverInterleave) {
  shipperchecks::twoShippersOfOneInstanceNeverInterleave(store());
}

TEST_F(AuditShipperTest, TwoInstancesShipApart) { shipperchecks::twoInstancesShipApart(store()); }

// The store cannot be opened (its directory is missing): the shipper counts failures, shows the
// backlog and its age, and ships everything once the store can be opened, without a restart.
TEST_F(AuditShipperTest, CatchesUpAfterAStoreOutage) {
  const auto trail = dir_.path() / "audit.jsonl";
  shipperchecks::appendChained(trail, std::string(AuditLine::kFirstPrev),
                               {shipperchecks::accessRecord(0), shipperchecks::accessRecord(1)});
  const auto storeDir = dir_.path() / "not-yet";
  AuditShipper shipper(
      shipperchecks::options("Driver=SQLite3;Database=" + (storeDir / "store.db").string(), trail));
  const auto deadline = std::chrono::steady_clock::now() + shipperchecks::kWait;
  while (shipper.stats().failures < 3 && std::chrono::steady_clock::now() < deadline) {
    shipper.waitShipped(1, 10ms);
  }
  const auto during = shipper.stats();
  EXPECT_GE(during.failures, 3U);
  EXPECT_FALSE(during.halted);
  EXPECT_EQ(during.shippedRecords, 0U);
  EXPECT_EQ(shipper.shippedSeq(), 0);
  std::filesystem::create_directories(storeDir);
  ASSERT_TRUE(shipper.waitShipped(2, shipperchecks::kWait));
  const auto after = shipper.stats();
  EXPECT_EQ(after.shippedRecords, 2U);
  EXPECT_EQ(after.backlogBytes, 0U);
  EXPECT_EQ(after.lagSeconds, 0.0);
}

// While the store has never answered, the backlog is the trail's size and the lag the age of
// its oldest record (its time is in the past): upper bounds, as the position is in the store.
TEST_F(AuditShipperTest, ShowsLagAndBacklogWhileRecordsWait) {
  const auto trail = dir_.path() / "audit.jsonl";
  shipperchecks::appendChained(trail, std::string(AuditLine::kFirstPrev),
                               {shipperchecks::accessRecord(0)});
  AuditShipper shipper(shipperchecks::options(
      "Driver=SQLite3;Database=" + (dir_.path() / "missing" / "store.db").string(), trail));
  const auto deadline = std::chrono::steady_clock::now() + shipperchecks::kWait;
  while (shipper.stats().backlogBytes == 0 && std::chrono::steady_clock::now() < deadline) {
    shipper.waitShipped(1, 10ms);
  }
  const auto stats = shipper.stats();
  EXPECT_EQ(stats.backlogBytes, std::filesystem::file_size(trail));
  EXPECT_GT(stats.lagSeconds, 0.0);  // the record was written on 2026-01-05
}

// A shipper that found the trail without a whole first line waits a poll. Stopped meanwhile, it
// must still ship what the writer wrote before it closed (the gateway closes the writer, then
// stops the shipper): AuditShippingTest.TwoInstancesShipIntoOneDatabaseApart once found nothing
// shipped at all.
TEST_F(AuditShipperTest, ShipsWhatCameWhileItWaitedForAFirstLineWhenStopped) {
  const auto trail = dir_.path() / "audit.jsonl";
  { std::ofstream created(trail, std::ios::binary); }
  auto options = shipperchecks::options(store(), trail);
  options.pollInterval = 1h;  // no poll comes before the stop
  {
    AuditShipper shipper(options);
    // It makes the tables before it looks at the trail: once they exist, it has looked (or is
    // about to) and waits.
    const auto deadline = std::chrono::steady_clock::now() + shipperchecks::kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        odbc::OdbcClient client(store(), "audit store");
        shipperchecks::count(client, "SELECT COUNT(*) FROM oncegate_audit_shipping");
        break;
      } catch (const std::exception&) {
        shipper.waitShipped(1, 10ms);
      }
    }
    shipperchecks::appendChained(trail, std::string(AuditLine::kFirstPrev),
                                 {shipperchecks::accessRecord(0), shipperchecks::accessRecord(1)});
  }
  odbc::OdbcClient client(store(), "audit store");
  shipperchecks::expectChainFromTheStore(client, "gw-a", 2);
}

}  // namespace
}  // namespace oncegate
