#include <gtest/gtest.h>

#include "AuditShipperChecks.h"
#include "gateway/auditstore/StoredChainReport.h"

namespace oncegate {
namespace {

using shipperchecks::TempDir;

// The chain from the database alone: rows the shipper stored, then altered or removed.
class StoredChainReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = "Driver=SQLite3;Timeout=200;Database=" + (dir_.path() / "store.db").string();
    std::vector<std::string> records;
    for (int n = 0; n < 12; ++n) records.push_back(shipperchecks::accessRecord(n));
    const auto last = shipperchecks::appendChained(dir_.path() / "audit.jsonl",
                                                   std::string(AuditLine::kFirstPrev), records);
    shipperchecks::appendChained(
        dir_.path() / "audit.jsonl", last,
        {"{\"time\":\"2026-01-05T01:02:04.000Z\",\"event\":\"audit_checkpoint\",\"records\":13,"
         "\"head\":\"" +
         last + "\",\"kid\":\"k\",\"signature\":\"s\"}"});
    AuditShipper shipper(shipperchecks::options(store_, dir_.path() / "audit.jsonl"));
    ASSERT_TRUE(shipper.waitShipped(13, shipperchecks::kWait));
    client_ = std::make_unique<odbc::OdbcClient>(store_, "audit store");
  }

  TempDir dir_;
  std::string store_;
  std::unique_ptr<odbc::OdbcClient> client_;
};

TEST_F(StoredChainReportTest, AnIntactChainWithItsCheckpoint) {
  const auto report = verifyStoredChain(*client_, "gw-a");
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.lines, 13);
  EXPECT_EQ(report.firstSeq, 1);
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_EQ(verifyStoredChain(*client_, "gw-other").lines, 0);
}

TEST_F(StoredChainReportTest, AnAlteredLineIsFound) {
  client_->execute(
      "UPDATE oncegate_audit_records SET line = REPLACE(line, 'LS-4', 'LS-9') WHERE seq = 5");
  const auto report = verifyStoredChain(*client_, "gw-a");
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenSeq, 5);
  EXPECT_NE(report.problem.find("does not hash to its line_sha256"), std::string::npos);
}

TEST_F(StoredChainReportTest, AnAlteredLineWithItsHashRecomputedBreaksTheNextLink) {
  const auto rows = client_->query("SELECT line FROM oncegate_audit_records WHERE seq = 5");
  auto line = rows.at(0).values.at(0).toString();
  line.replace(line.find("LS-4"), 4, "LS-9");
  client_->execute("UPDATE oncegate_audit_records SET line = ?, line_sha256 = ? WHERE seq = 5",
                   {Value::string(line), Value::string(sha256Hex(line))});
  const auto report = verifyStoredChain(*client_, "gw-a");
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenSeq, 6);
  EXPECT_NE(report.problem.find("not the hash of seq 5"), std::string::npos);
}

TEST_F(StoredChainReportTest, RemovedRowsAreFound) {
  client_->execute("DELETE FROM oncegate_audit_records WHERE seq IN (7, 8)");
  const auto report = verifyStoredChain(*client_, "gw-a");
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenSeq, 7);
  EXPECT_NE(report.problem.find("seq 7 to 8 are missing"), std::string::npos);
}

TEST_F(StoredChainReportTest, ACheckpointWhoseCountDisagreesIsFound) {
  client_->execute("UPDATE oncegate_audit_checkpoints SET records = 12 WHERE seq = 13");
  const auto report = verifyStoredChain(*client_, "gw-a");
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenSeq, 13);
  EXPECT_NE(report.problem.find("counts 12 records"), std::string::npos);
}

}  // namespace
}  // namespace oncegate
