#include <gtest/gtest.h>

#include "AuditShipperChecks.h"
#include "common/Ed25519PrivateKey.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditCheckpointSigner.h"
#include "gateway/auditstore/StoredChainReport.h"
#include "gateway/auditstore/StoredCheckpoint.h"

namespace oncegate {
namespace {

using shipperchecks::TempDir;
using Coverage = AuditChainReport::Coverage;

// A signed trail written by the real writer (a checkpoint after every 5 lines, itself included),
// shipped to a SQLite central record: what the store keeps of its checkpoints, and what a local
// trail cut short says against it.
class StoredCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trail_ = dir_.path() / "audit.jsonl";
    store_ = "Driver=SQLite3;Timeout=200;Database=" + (dir_.path() / "store.db").string();
    AuditConfig config{trail_, AuditConfig::Durability::Batch, 0, {}, {}, {}};
    config.checkpoint.records = 5;
    config.checkpoint.interval = std::chrono::hours(1);
    {
      FileAuditLog log(config, AuditCheckpointSigner{"k1", key_});
      for (int n = 0; n < 12; ++n) log.append(shipperchecks::accessRecord(n), {});
      log.flush();
    }
    lines_ = linesOf(trail_);
    AuditShipper shipper(shipperchecks::options(store_, trail_));
    ASSERT_TRUE(
        shipper.waitShipped(static_cast<std::int64_t>(lines_.size()), shipperchecks::kWait));
    client_ = std::make_unique<odbc::OdbcClient>(store_, "audit store");
    keys_.emplace("k1", key_.publicKey());
  }

  static std::vector<std::string> linesOf(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // The trail's first `count` lines only: a cut leaves no break in the chain.
  void cutTo(std::size_t count) {
    std::ofstream out(trail_, std::ios::binary | std::ios::trunc);
    for (std::size_t i = 0; i < count; ++i) out << lines_[i] << '\n';
  }

  TempDir dir_;
  Ed25519PrivateKey key_ = Ed25519PrivateKey::generate();
  AuditCheckpointKeys keys_;
  std::filesystem::path trail_;
  std::string store_;
  std::vector<std::string> lines_;
  std::unique_ptr<odbc::OdbcClient> client_;
};

TEST_F(StoredCheckpointTest, TheLatestIsTheLastCheckpointShipped) {
  const auto latest = StoredCheckpoint::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  // 12 records and a checkpoint after every 4 of them: the last one ends the trail.
  EXPECT_EQ(latest->seq, static_cast<std::int64_t>(lines_.size()));
  EXPECT_EQ(latest->records, lines_.size());
  EXPECT_EQ(latest->head, sha256Hex(lines_[lines_.size() - 2]));
  EXPECT_FALSE(StoredCheckpoint::latest(*client_, "gw-other"));
}

TEST_F(StoredCheckpointTest, TheWholeTrailCoversIt) {
  const auto latest = StoredCheckpoint::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  const auto report = verifyAuditChain(trail_, &keys_);
  ASSERT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.coverage(latest->records, latest->head), Coverage::Covered);
}

TEST_F(StoredCheckpointTest, ATrailCutBeforeItIsTruncatedThoughItsChainIsWhole) {
  cutTo(lines_.size() - 3);
  const auto latest = StoredCheckpoint::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  const auto report = verifyAuditChain(trail_, &keys_);
  ASSERT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.coverage(latest->records, latest->head), Coverage::Truncated);
}

TEST_F(StoredCheckpointTest, TheStoredChainVerifiesWithTheKeyAndNotWithAnother) {
  const auto report = verifyStoredChain(*client_, "gw-a", &keys_);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.checkpoints, 3);  // lines 5, 10 and 15 (15 ends the trail: none at shutdown)

  AuditCheckpointKeys stranger;
  stranger.emplace("k1", Ed25519PrivateKey::generate().publicKey());
  const auto forged = verifyStoredChain(*client_, "gw-a", &stranger);
  EXPECT_FALSE(forged.intact);
  EXPECT_NE(forged.problem.find("signature does not verify"), std::string::npos) << forged.problem;
}

}  // namespace
}  // namespace oncegate
