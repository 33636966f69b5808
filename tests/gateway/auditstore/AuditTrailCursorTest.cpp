#include <gtest/gtest.h>

#include "AuditShipperChecks.h"
#include "gateway/auditstore/AuditTrailCursor.h"

namespace oncegate {
namespace {

using shipperchecks::TempDir;

std::vector<std::string> texts(const std::vector<AuditTrailCursor::Line>& lines) {
  std::vector<std::string> result;
  for (const auto& line : lines) result.push_back(line.text);
  return result;
}

TEST(AuditTrailCursorTest, HandsOutWholeLinesOnlyAndWaitsForTheRest) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    out << "one\ntwo\nthr";
  }
  AuditTrailCursor cursor(path);
  ASSERT_TRUE(cursor.startAtOldest());
  EXPECT_EQ(texts(cursor.read(1)), std::vector<std::string>{"one"});
  const auto second = cursor.read(10);
  EXPECT_EQ(texts(second), std::vector<std::string>{"two"});
  EXPECT_EQ(second.at(0).endOffset, 8U);
  EXPECT_EQ(second.at(0).fileFirstSha256, sha256Hex("one"));
  EXPECT_EQ(cursor.unreadBytes(), 3U);
  EXPECT_TRUE(cursor.read(10).empty());
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << "ee\n";
  }
  EXPECT_EQ(texts(cursor.read(10)), std::vector<std::string>{"three"});
  EXPECT_EQ(cursor.unreadBytes(), 0U);
}

TEST(AuditTrailCursorTest, NoTrailYetIsNoStart) {
  TempDir dir;
  AuditTrailCursor cursor(dir.path() / "audit.jsonl");
  EXPECT_FALSE(cursor.startAtOldest());
  EXPECT_TRUE(cursor.read(10).empty());
}

TEST(AuditTrailCursorTest, StartsAtTheOldestRotatedFileAndFollowsTheChain) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  auto last =
      shipperchecks::appendChained(dir.path() / "audit.jsonl.1", std::string(AuditLine::kFirstPrev),
                                   {shipperchecks::accessRecord(0)});
  last = shipperchecks::appendChained(
      dir.path() / "audit.jsonl.2", last,
      {R"({"time":"t","event":"audit_log_rotated","continues":"audit.jsonl.1"})",
       shipperchecks::accessRecord(1)});
  shipperchecks::appendChained(
      path, last, {R"({"time":"t","event":"audit_log_rotated","continues":"audit.jsonl.2"})"});
  AuditTrailCursor cursor(path);
  ASSERT_TRUE(cursor.startAtOldest());
  const auto lines = cursor.read(10);
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_NE(lines[0].text.find("\"r0\""), std::string::npos);
  EXPECT_NE(lines[2].text.find("\"r1\""), std::string::npos);
  EXPECT_NE(lines[3].text.find("audit.jsonl.2"), std::string::npos);
}

// A writer rotating creates the new file, then writes the rotation record naming the file before
// it. A shipper starting in between must wait: starting at the empty new file would take its
// rotation record for the start of the trail and skip every file before it (seen under load in
// AuditShipperPostgresTest.FollowsTheWriterAcrossLiveRotations: 1 line in the store of 9003).
TEST(AuditTrailCursorTest, WaitsWhileTheNewestFileHasNoWholeFirstLine) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto last =
      shipperchecks::appendChained(dir.path() / "audit.jsonl.1", std::string(AuditLine::kFirstPrev),
                                   {shipperchecks::accessRecord(0)});
  { std::ofstream created(path, std::ios::binary); }
  AuditTrailCursor cursor(path);
  EXPECT_FALSE(cursor.startAtOldest());
  {
    std::ofstream half(path, std::ios::binary);
    half << R"({"time":"t","event":"audit_log_rotated")";
  }
  EXPECT_FALSE(cursor.startAtOldest());
  std::filesystem::remove(path);
  shipperchecks::appendChained(
      path, last, {R"({"time":"t","event":"audit_log_rotated","continues":"audit.jsonl.1"})"});
  ASSERT_TRUE(cursor.startAtOldest());
  const auto lines = cursor.read(10);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_NE(lines[0].text.find("\"r0\""), std::string::npos);
}

TEST(AuditTrailCursorTest, ResumesOnlyWhereTheShippedLineStillIs) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  shipperchecks::appendChained(path, std::string(AuditLine::kFirstPrev),
                               {shipperchecks::accessRecord(0), shipperchecks::accessRecord(1),
                                shipperchecks::accessRecord(2)});
  AuditShippingPosition position;
  {
    AuditTrailCursor reader(path);
    ASSERT_TRUE(reader.startAtOldest());
    const auto lines = reader.read(2);
    position = {2, sha256Hex(lines[1].text), lines[1].endOffset, lines[1].fileFirstSha256};
  }
  AuditTrailCursor cursor(path);
  EXPECT_EQ(cursor.resumeAfter(position), std::nullopt);
  const auto rest = cursor.read(10);
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_NE(rest[0].text.find("\"r2\""), std::string::npos);

  // The second line altered in place (same length): the position no longer follows it.
  auto text = shipperchecks::readLinesOf(path);
  text[1].replace(text[1].find("LS-1"), 4, "LS-7");
  shipperchecks::writeLinesTo(path, text);
  AuditTrailCursor altered(path);
  const auto problem = altered.resumeAfter(position);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("is not the line shipped as number 2"), std::string::npos) << *problem;

  std::filesystem::remove(path);
  shipperchecks::appendChained(path, std::string(AuditLine::kFirstPrev),
                               {shipperchecks::accessRecord(9)});
  AuditTrailCursor replaced(path);
  const auto gone = replaced.resumeAfter(position);
  ASSERT_TRUE(gone);
  EXPECT_NE(gone->find("no file of the trail begins with"), std::string::npos) << *gone;
}

}  // namespace
}  // namespace oncegate
