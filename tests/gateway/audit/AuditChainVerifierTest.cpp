#include <gtest/gtest.h>

#include <fstream>

#include "AuditTestFiles.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {
namespace {

using testing::readLines;
using testing::TempDir;
using testing::writeLines;

// A chained file of `count` records written by the real writer.
std::filesystem::path writeTrail(const TempDir& dir, int count) {
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, AuditConfig::Durability::Strict);
  for (int i = 1; i <= count; ++i) {
    log.append(R"({"line":)" + std::to_string(i) + R"(,"subject":"330102196001010011"})", {});
  }
  return path;
}

void replaceIn(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

TEST(AuditChainVerifierTest, AnUntouchedTrailIsIntact) {
  TempDir dir;
  const auto report = verifyAuditChain(writeTrail(dir, 6));
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.lines, 6u);
  EXPECT_EQ(report.firstBrokenLine, 0u);
  EXPECT_TRUE(report.problem.empty());
}

TEST(AuditChainVerifierTest, AnEmptyTrailIsIntact) {
  TempDir dir;
  writeLines(dir.path() / "empty.jsonl", {});
  const auto report = verifyAuditChain(dir.path() / "empty.jsonl");
  EXPECT_TRUE(report.intact);
  EXPECT_EQ(report.lines, 0u);
}

TEST(AuditChainVerifierTest, AMissingFileIsNotIntact) {
  TempDir dir;
  const auto report = verifyAuditChain(dir.path() / "nope.jsonl");
  EXPECT_FALSE(report.intact);
  EXPECT_NE(report.problem.find("cannot read"), std::string::npos);
}

TEST(AuditChainVerifierTest, AnEditedLineIsNamed) {
  for (int edited = 1; edited <= 5; ++edited) {
    TempDir dir;
    const auto path = writeTrail(dir, 6);
    auto lines = readLines(path);
    replaceIn(lines[edited - 1], "330102196001010011", "330102196001010012");
    writeLines(path, lines);
    const auto report = verifyAuditChain(path);
    EXPECT_FALSE(report.intact) << "edited line " << edited;
    EXPECT_EQ(report.firstBrokenLine, static_cast<std::size_t>(edited)) << report.problem;
    EXPECT_EQ(report.lines, 6u);
  }
}

TEST(AuditChainVerifierTest, AnEditedPrevIsNamed) {
  TempDir dir;
  const auto path = writeTrail(dir, 5);
  auto lines = readLines(path);
  replaceIn(lines[2], R"("prev":")", R"("prev":"0)");
  lines[2].erase(lines[2].size() - 3, 1);  // keep 64 hex digits
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 3u) << report.problem;
}

TEST(AuditChainVerifierTest, ARemovedLineShowsAtTheGap) {
  TempDir dir;
  const auto path = writeTrail(dir, 5);
  auto lines = readLines(path);
  lines.erase(lines.begin() + 2);  // line 3
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 2u) << report.problem;
  EXPECT_NE(report.problem.find("removed"), std::string::npos) << report.problem;
  EXPECT_EQ(report.lines, 4u);
}

TEST(AuditChainVerifierTest, AnInsertedLineIsNamed) {
  TempDir dir;
  const auto path = writeTrail(dir, 4);
  auto lines = readLines(path);
  lines.insert(lines.begin() + 1, R"({"forged":true})");
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 2u) << report.problem;
}

TEST(AuditChainVerifierTest, AnInsertedLineWithoutPrevIsABreakNotATornLine) {
  TempDir dir;
  const auto path = writeTrail(dir, 4);
  auto lines = readLines(path);
  // Whole JSON without a prev: not a write cut short, even though the next line chains on.
  lines.insert(lines.begin() + 2, R"({"line":99,"subject":"330102196001010011"})");
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 3u) << report.problem;
}

TEST(AuditChainVerifierTest, ATornLineIsSkippedWhenTheNextLineChainsToTheLastWholeOne) {
  TempDir dir;
  const auto path = writeTrail(dir, 4);
  auto lines = readLines(path);
  // What a restart after a crash mid-write leaves: the torn bytes, then a line chained to the
  // last whole line (line 2).
  const std::string whole = lines[2];
  lines[2] = whole.substr(0, whole.size() / 2);
  lines.insert(lines.begin() + 3, whole);
  writeLines(path, lines);
  auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.tornLines.size(), 1u);
  EXPECT_EQ(report.tornLines[0].line, 3u);
  EXPECT_EQ(report.lines, 5u);
  EXPECT_EQ(report.records, 4u);

  // The same torn bytes with a line after them that does not chain to line 2: a break.
  lines.erase(lines.begin() + 3);
  writeLines(path, lines);
  report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 3u) << report.problem;

  // Torn bytes at the very end (the crash, before any restart): reported, nothing to break.
  lines.erase(lines.begin() + 3, lines.end());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << lines[0] << '\n'
                                                          << lines[1] << '\n'
                                                          << lines[2];
  report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.tornLines.size(), 1u);
  EXPECT_EQ(report.tornLines[0].line, 3u);
  EXPECT_EQ(report.records, 2u);
}

TEST(AuditChainVerifierTest, RemovedFirstLinesAreDetected) {
  TempDir dir;
  const auto path = writeTrail(dir, 4);
  auto lines = readLines(path);
  lines.erase(lines.begin());
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 1u) << report.problem;
}

}  // namespace
}  // namespace oncegate
