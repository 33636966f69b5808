#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "ControlStoreChecks.h"

namespace oncegate {
namespace {

// The embedded default: a SQLite file through its ODBC driver, fresh for each test.
class ControlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
    connection_ = "Driver=SQLite3;Database=" + (directory_ / "control.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path directory_;
  std::string connection_;
};

TEST_F(ControlStoreTest, NewStoreIsEmpty) { storechecks::newStoreIsEmpty(connection_); }

TEST_F(ControlStoreTest, PutHistoryCurrentRemove) {
  storechecks::putHistoryCurrentRemove(connection_);
}

TEST_F(ControlStoreTest, VersionIncreasesByOnePerChange) {
  storechecks::versionIncreasesByOnePerChange(connection_);
}

TEST_F(ControlStoreTest, InvalidChangesAreRefusedAndChangeNothing) {
  storechecks::invalidChangesAreRefusedAndChangeNothing(connection_);
}

TEST_F(ControlStoreTest, FailedPutChangesNothing) {
  storechecks::failedPutChangesNothing(connection_, [](odbc::OdbcClient& client) {
    client.execute(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON oncegate_documents WHEN NEW.id = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
  });
}

TEST_F(ControlStoreTest, ReopeningKeepsEverything) {
  storechecks::reopeningKeepsEverything(connection_);
}

TEST_F(ControlStoreTest, ImportHappensOnceAsOneVersion) {
  storechecks::importHappensOnceAsOneVersion(connection_);
}

TEST_F(ControlStoreTest, ApplyWritesOnlyTheDifferenceAsOneVersion) {
  storechecks::applyWritesOnlyTheDifferenceAsOneVersion(connection_);
}

TEST_F(ControlStoreTest, ApplyRecreatesARemovedDocument) {
  storechecks::applyRecreatesARemovedDocument(connection_);
}

TEST_F(ControlStoreTest, PendingChangesWaitAndAreDecidedOnce) {
  storechecks::pendingChangesWaitAndAreDecidedOnce(connection_);
}

TEST_F(ControlStoreTest, KindsAreTheDocumentKindsOfTheDesign) {
  EXPECT_TRUE(ControlStore::isKind("policies"));
  EXPECT_FALSE(ControlStore::isKind("policy"));
  EXPECT_EQ(ControlStore::kinds().size(), 7u);
}

}  // namespace
}  // namespace oncegate
