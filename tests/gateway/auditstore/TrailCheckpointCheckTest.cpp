#include <gtest/gtest.h>

#include "AuditShipperChecks.h"
#include "gateway/auditstore/TrailCheckpointCheck.h"

namespace oncegate {
namespace {

using shipperchecks::TempDir;

// Truncation against the store: the latest checkpoint the store holds names a line (by hash and
// position) that the local trail must still have.
class TrailCheckpointCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trail_ = dir_.path() / "audit.jsonl";
    store_ = "Driver=SQLite3;Timeout=200;Database=" + (dir_.path() / "store.db").string();
    auto prev = std::string(AuditLine::kFirstPrev);
    for (int n = 0; n < 3; ++n) {
      std::vector<std::string> records;
      for (int k = 0; k < 4; ++k) records.push_back(shipperchecks::accessRecord(4 * n + k));
      prev = shipperchecks::appendChained(trail_, prev, records);
      const auto seq = 5 * (n + 1);  // four records, then the checkpoint
      prev = shipperchecks::appendChained(
          trail_, prev,
          {"{\"time\":\"2026-01-05T01:02:0" + std::to_string(n) +
           ".000Z\",\"event\":\"audit_checkpoint\",\"records\":" + std::to_string(seq) +
           ",\"head\":\"" + prev + "\",\"kid\":\"k\",\"signature\":\"s\"}"});
    }
    AuditShipper shipper(shipperchecks::options(store_, trail_));
    ASSERT_TRUE(shipper.waitShipped(15, shipperchecks::kWait));
    client_ = std::make_unique<odbc::OdbcClient>(store_, "audit store");
  }

  // The trail's first `count` lines only.
  void cutTo(std::size_t count) {
    auto lines = testingLines();
    lines.resize(count);
    std::ofstream out(trail_, std::ios::binary | std::ios::trunc);
    for (const auto& line : lines) out << line << '\n';
  }
  std::vector<std::string> testingLines() const {
    std::ifstream in(trail_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  TempDir dir_;
  std::filesystem::path trail_;
  std::string store_;
  std::unique_ptr<odbc::OdbcClient> client_;
};

TEST_F(TrailCheckpointCheckTest, TheLatestCheckpointIsTheOneWithTheHighestSeq) {
  const auto latest = TrailCheckpointCheck::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->seq, 15);
  EXPECT_EQ(latest->records, 15);
  EXPECT_EQ(latest->time, "2026-01-05T01:02:02.000Z");
  EXPECT_FALSE(TrailCheckpointCheck::latest(*client_, "gw-other"));
}

TEST_F(TrailCheckpointCheckTest, AWholeTrailReachesIt) {
  const auto latest = TrailCheckpointCheck::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->missingFrom({trail_}), std::nullopt);
}

TEST_F(TrailCheckpointCheckTest, ATrailCutBeforeItIsTruncated) {
  cutTo(14);  // the last checkpoint's line is gone; the chain of what is left is whole
  const auto latest = TrailCheckpointCheck::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  const auto missing = latest->missingFrom({trail_});
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("ends before the latest checkpoint"), std::string::npos) << *missing;
  EXPECT_NE(missing->find("14 chained lines read"), std::string::npos) << *missing;
}

TEST_F(TrailCheckpointCheckTest, LinesRemovedBeforeItAreFoundByItsPosition) {
  auto lines = testingLines();
  lines.erase(lines.begin() + 2);  // breaks the chain too, which verify-audit reports first
  std::ofstream(trail_, std::ios::binary | std::ios::trunc).close();
  {
    std::ofstream out(trail_, std::ios::binary);
    for (const auto& line : lines) out << line << '\n';
  }
  const auto latest = TrailCheckpointCheck::latest(*client_, "gw-a");
  ASSERT_TRUE(latest);
  const auto missing = latest->missingFrom({trail_});
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("is line 14 of these files but line 15 in the store"), std::string::npos)
      << *missing;
}

}  // namespace
}  // namespace oncegate
