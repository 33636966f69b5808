#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "ControlStoreChecks.h"
#include "PostgresTestDatabase.h"
#include "TestServers.h"

namespace oncegate {
namespace {

// The shared store of several instances: PostgreSQL, in a database of its own per test, created
// and dropped here so that nothing collides with other tests on the same server.
class ControlStorePostgresTest : public ::testing::Test {
 protected:
  testing::PostgresTestDatabase database_{"oncegate_store_test"};
  std::string connection_ = database_.odbc();
};

TEST_F(ControlStorePostgresTest, NewStoreIsEmpty) { storechecks::newStoreIsEmpty(connection_); }

TEST_F(ControlStorePostgresTest, PutHistoryCurrentRemove) {
  storechecks::putHistoryCurrentRemove(connection_);
}

TEST_F(ControlStorePostgresTest, VersionIncreasesByOnePerChange) {
  storechecks::versionIncreasesByOnePerChange(connection_);
}

TEST_F(ControlStorePostgresTest, InvalidChangesAreRefusedAndChangeNothing) {
  storechecks::invalidChangesAreRefusedAndChangeNothing(connection_);
}

TEST_F(ControlStorePostgresTest, FailedPutChangesNothing) {
  storechecks::failedPutChangesNothing(connection_, [](odbc::OdbcClient& client) {
    client.execute(
        "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF NEW.id = "
        "''boom'' THEN RAISE EXCEPTION ''refused by test''; END IF; RETURN NEW; END'");
    client.execute(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON oncegate_documents FOR EACH ROW EXECUTE "
        "FUNCTION refuse_boom()");
  });
}

TEST_F(ControlStorePostgresTest, ReopeningKeepsEverything) {
  storechecks::reopeningKeepsEverything(connection_);
}

TEST_F(ControlStorePostgresTest, ImportHappensOnceAsOneVersion) {
  storechecks::importHappensOnceAsOneVersion(connection_);
}

TEST_F(ControlStorePostgresTest, ApplyWritesOnlyTheDifferenceAsOneVersion) {
  storechecks::applyWritesOnlyTheDifferenceAsOneVersion(connection_);
}

TEST_F(ControlStorePostgresTest, ApplyRecreatesARemovedDocument) {
  storechecks::applyRecreatesARemovedDocument(connection_);
}

TEST_F(ControlStorePostgresTest, PendingChangesWaitAndAreDecidedOnce) {
  storechecks::pendingChangesWaitAndAreDecidedOnce(connection_);
}

// Two instances sharing the database, changing it at the same time from two threads: every
// change gets its own version, none is lost, and the versions have no gaps.
TEST_F(ControlStorePostgresTest, TwoInstancesPuttingConcurrentlyLoseNothing) {
  constexpr int kPutsEach = 40;
  ControlStore first(connection_);
  ControlStore second(connection_);
  auto work = [](ControlStore& store, const std::string& instance) {
    for (int i = 0; i < kPutsEach; ++i) {
      store.put("datasets", instance + "-" + std::to_string(i), "{}", instance, "");
      store.put("policies", "shared", "{\"by\":\"" + instance + "\"}", instance, "");
    }
  };
  std::thread a(work, std::ref(first), "a");
  std::thread b(work, std::ref(second), "b");
  a.join();
  b.join();

  constexpr std::uint64_t kTotal = 4 * kPutsEach;
  EXPECT_EQ(first.version(), kTotal);
  EXPECT_EQ(second.version(), kTotal);
  EXPECT_EQ(first.current().size(), 2u * kPutsEach + 1);
  EXPECT_EQ(first.history("policies", "shared").size(), 2u * kPutsEach);
  std::set<std::uint64_t> versions;
  for (const auto& change : second.changes()) versions.insert(change.version);
  ASSERT_EQ(versions.size(), kTotal);
  EXPECT_EQ(*versions.begin(), 1u);
  EXPECT_EQ(*versions.rbegin(), kTotal);
}

}  // namespace
}  // namespace oncegate
