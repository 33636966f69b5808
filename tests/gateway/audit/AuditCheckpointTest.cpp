// Signed checkpoints in the audit trail, written by FileAuditLog with a real Ed25519 key and
// checked by the verifier: where they are written, what they catch (a rewritten chain, a trail
// cut short against a copy kept elsewhere) and how they live with torn lines and rotation.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "AuditTestFiles.h"
#include "common/Base64Url.h"
#include "common/Digest.h"
#include "common/Ed25519PrivateKey.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditCheckpoint.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using testing::readLines;
using testing::TempDir;
using testing::writeLines;
using Coverage = AuditChainReport::Coverage;

const Ed25519PrivateKey& signingKey() {
  static const Ed25519PrivateKey key = Ed25519PrivateKey::generate();
  return key;
}

AuditCheckpointSigner signer() { return AuditCheckpointSigner{"2026-12", signingKey()}; }

AuditCheckpointKeys keys() {
  AuditCheckpointKeys keys;
  keys.emplace("2026-12", signingKey().publicKey());
  return keys;
}

AuditConfig config(const std::filesystem::path& path, std::uint64_t records,
                   std::chrono::milliseconds interval = std::chrono::hours(1),
                   std::uint64_t rotateBytes = 0) {
  AuditConfig config;
  config.path = path;
  config.durability = AuditConfig::Durability::Strict;
  config.rotateBytes = rotateBytes;
  config.checkpoint.records = records;
  config.checkpoint.interval = interval;
  return config;
}

// Appends and waits until the record is written: one batch per record, so that where
// checkpoints fall does not depend on how the writer groups records.
void appendWritten(FileAuditLog& log, int n, std::size_t padding = 0) {
  std::promise<bool> written;
  log.append(R"({"n":)" + std::to_string(n) + R"(,"pad":")" + std::string(padding, 'x') + "\"}",
             [&written](bool recorded) { written.set_value(recorded); });
  auto future = written.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(future.get());
}

// Waits (up to 5 s) until `path` holds `count` lines ended by their newline.
void waitForWholeLines(const std::filesystem::path& path, std::ptrdiff_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto text = testing::readFile(path);
    if (std::count(text.begin(), text.end(), '\n') >= count) return;
    std::this_thread::sleep_for(10ms);
  }
}

// The 1-based numbers of the checkpoint lines of `lines`.
std::vector<std::size_t> checkpointLines(const std::vector<std::string>& lines) {
  std::vector<std::size_t> numbers;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (AuditCheckpoint::parse(lines[i])) numbers.push_back(i + 1);
  }
  return numbers;
}

// The checkpoint on `line`, checked by hand (not by the verifier): its head is its prev, and
// its signature verifies over the contract's bytes.
AuditCheckpoint checkedCheckpoint(const std::string& line) {
  const auto checkpoint = AuditCheckpoint::parse(line);
  EXPECT_TRUE(checkpoint.has_value()) << line;
  if (!checkpoint) return {};
  EXPECT_EQ(checkpoint->head, AuditLine::prevOf(line).value_or("")) << line;
  EXPECT_EQ(checkpoint->kid, "2026-12");
  const auto signature = base64UrlDecode(checkpoint->signature);
  EXPECT_TRUE(signature.has_value());
  const std::string input = "oncegate-audit-checkpoint-v1\n" + checkpoint->head + "\n" +
                            std::to_string(checkpoint->records) + "\n" + checkpoint->time;
  EXPECT_TRUE(signature && signingKey().publicKey().verify(input, *signature)) << line;
  return *checkpoint;
}

// The audit files of `dir` other than `current`, oldest first, then `current`.
std::vector<std::filesystem::path> trailFiles(const std::filesystem::path& dir,
                                              const std::filesystem::path& current) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path() != current) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  files.push_back(current);
  return files;
}

TEST(AuditCheckpointTest, ACheckpointFollowsEveryNRecordsAndTheLastOneClosesTheTrail) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(config(path, 5), signer());
    for (int i = 1; i <= 12; ++i) appendWritten(log, i);
  }
  const auto lines = readLines(path);
  // 5 records, checkpoint, 5 records, checkpoint, 2 records, checkpoint at shutdown.
  ASSERT_EQ(lines.size(), 15u);
  EXPECT_EQ(checkpointLines(lines), (std::vector<std::size_t>{6, 12, 15}));
  for (const std::size_t number : {6u, 12u, 15u}) {
    const auto& line = lines[number - 1];
    EXPECT_EQ(line.rfind(R"({"time":")", 0), 0u) << line;
    EXPECT_NE(line.find(R"("event":"audit_checkpoint","records":)" + std::to_string(number) +
                        R"(,"head":")" + sha256Hex(lines[number - 2]) +
                        R"(","kid":"2026-12",)"
                        R"("signature":")"),
              std::string::npos)
        << line;
    EXPECT_EQ(checkedCheckpoint(line).records, number);
  }

  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_TRUE(report.signaturesChecked);
  EXPECT_EQ(report.records, 15u);
  ASSERT_EQ(report.checkpoints.size(), 3u);
  EXPECT_EQ(report.checkpoints.back().records, 15u);
  EXPECT_EQ(report.checkpoints.back().line, 15u);
  EXPECT_EQ(report.unprotectedLines(), 0u);
}

TEST(AuditCheckpointTest, AnIdleTrailGetsItsCheckpointOnceTheIntervalHasPassed) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(config(path, 1000, 200ms), signer());
  appendWritten(log, 1);
  waitForWholeLines(path, 2);
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 2u) << "no checkpoint after the interval";
  EXPECT_EQ(checkedCheckpoint(lines[1]).records, 2u);
}

// The real system calls, except that the next `checkpointFailures` checkpoints written run into
// a full disk: half the line is written (a short write), then the rest fails with ENOSPC.
class CheckpointFailingOperations : public AuditFileOperations {
 public:
  std::atomic<int> checkpointFailures{0};
  ssize_t write(int fd, const void* data, std::size_t size) override {
    const std::string_view bytes(static_cast<const char*>(data), size);
    if (failNext_) {
      failNext_ = false;
      errno = ENOSPC;
      return -1;
    }
    if (AuditCheckpoint::mayBe(bytes) && checkpointFailures.fetch_sub(1) > 0) {
      failNext_ = true;
      return AuditFileOperations::write(fd, data, size / 2);
    }
    return AuditFileOperations::write(fd, data, size);
  }

 private:
  bool failNext_ = false;  // the writer thread's alone
};

TEST(AuditCheckpointTest, ACheckpointThatCannotBeWrittenIsTakenBackAndTriedAgain) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  CheckpointFailingOperations operations;
  operations.checkpointFailures = 1;
  FileAuditLog log(config(path, 1000, 200ms), signer(), operations);
  appendWritten(log, 1);
  // (The half line is there for a moment, before it is taken back: not a whole line.)
  waitForWholeLines(path, 2);
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 2u) << "the checkpoint was not tried again";
  EXPECT_LE(operations.checkpointFailures.load(), 0);
  EXPECT_EQ(checkedCheckpoint(lines[1]).records, 2u);
  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_TRUE(report.tornLines.empty()) << "the half-written checkpoint was left in the file";
}

TEST(AuditCheckpointTest, ABusyTrailGetsACheckpointAtTheIntervalBeforeTheCount) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(config(path, 1000, 200ms), signer());
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  int n = 0;
  while (checkpointLines(readLines(path)).empty() && std::chrono::steady_clock::now() < deadline) {
    appendWritten(log, ++n);
  }
  const auto lines = readLines(path);
  const auto found = checkpointLines(lines);
  ASSERT_FALSE(found.empty()) << "no checkpoint after the interval";
  EXPECT_EQ(checkedCheckpoint(lines[found[0] - 1]).records, found[0]);
}

TEST(AuditCheckpointTest, WithoutASignerNoCheckpointIsWritten) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(config(path, 2, 1s), std::nullopt);
    for (int i = 1; i <= 5; ++i) appendWritten(log, i);
  }
  EXPECT_EQ(readLines(path).size(), 5u);
  EXPECT_TRUE(checkpointLines(readLines(path)).empty());
}

TEST(AuditCheckpointTest, TheCountGoesOnAcrossRestartsAndAClosedTrailIsNotCheckpointedTwice) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(config(path, 1000), signer());
    for (int i = 1; i <= 3; ++i) appendWritten(log, i);
  }
  ASSERT_EQ(readLines(path).size(), 4u);
  { FileAuditLog log(config(path, 1000), signer()); }  // nothing since the last checkpoint
  ASSERT_EQ(readLines(path).size(), 4u);
  {
    FileAuditLog log(config(path, 1000), signer());
    appendWritten(log, 4);
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(checkedCheckpoint(lines[5]).records, 6u);
  const auto verifyKeys = keys();
  EXPECT_TRUE(verifyAuditChain(path, &verifyKeys).intact);
}

TEST(AuditCheckpointTest, OpeningALargeTrailCountsItsLinesWithOrWithoutACheckpoint) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  // Larger than the chunks the writer reads its tail in, first without any checkpoint (the
  // whole file is counted), then with one far from the end.
  {
    FileAuditLog log(path, AuditConfig::Durability::Batch);
    for (int i = 1; i <= 3000; ++i) log.append(R"({"n":)" + std::to_string(i) + "}", {});
  }
  {
    FileAuditLog log(config(path, 1000), signer());
    appendWritten(log, 3001, 300);
  }
  auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3002u);
  EXPECT_EQ(checkedCheckpoint(lines.back()).records, 3002u);
  {
    FileAuditLog log(path, AuditConfig::Durability::Batch);
    for (int i = 1; i <= 2000; ++i) {
      log.append(R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(300, 'p') + "\"}",
                 {});
    }
  }
  {
    FileAuditLog log(config(path, 1000), signer());
    appendWritten(log, 1);
  }
  lines = readLines(path);
  ASSERT_EQ(lines.size(), 5004u);
  EXPECT_EQ(checkedCheckpoint(lines.back()).records, 5004u);
  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.checkpoints.size(), 2u);
}

TEST(AuditCheckpointTest, EachRotatedFileEndsWithACheckpointAndTheNextStartsFromASignedHead) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(config(path, 1000, std::chrono::hours(1), 1000), signer());
    for (int i = 1; i <= 12; ++i) appendWritten(log, i, 200);
  }
  {  // a restart continues the count from the current file alone
    FileAuditLog log(config(path, 1000, std::chrono::hours(1), 1000 * 1000), signer());
    appendWritten(log, 13);
  }
  const auto files = trailFiles(dir.path(), path);
  ASSERT_GE(files.size(), 3u);
  std::uint64_t counted = 0;
  for (std::size_t k = 0; k < files.size(); ++k) {
    const auto lines = readLines(files[k]);
    ASSERT_GE(lines.size(), 2u) << files[k];
    EXPECT_TRUE(AuditCheckpoint::parse(lines.back())) << files[k] << " ends with " << lines.back();
    if (k > 0) {
      EXPECT_NE(lines[0].find(R"("event":"audit_log_rotated")"), std::string::npos) << lines[0];
      EXPECT_NE(lines[0].find(R"("records":)" + std::to_string(counted + 1) + ","),
                std::string::npos)
          << lines[0];
      EXPECT_EQ(checkedCheckpoint(lines[1]).records, counted + 2) << files[k];
    }
    counted += lines.size();
  }
  const auto verifyKeys = keys();
  const auto whole = verifyAuditFiles(files, &verifyKeys);
  EXPECT_TRUE(whole.intact) << whole.file << ": " << whole.problem;
  EXPECT_EQ(whole.records, counted);
  EXPECT_EQ(whole.lines, counted);
  EXPECT_EQ(whole.unprotectedLines(), 0u);
  // The current file alone: its checkpoints count from the chain's start.
  const auto alone = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(alone.intact) << alone.problem;
  EXPECT_EQ(alone.records, counted);
  EXPECT_EQ(alone.coverage(whole.checkpoints.front().records, whole.checkpoints.front().head),
            Coverage::NotGiven);
}

// A trail of 10 records with a checkpoint every 4 (lines 5, 10 and 13 at shutdown).
std::filesystem::path checkpointedTrail(const TempDir& dir) {
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(config(path, 4), signer());
  for (int i = 1; i <= 10; ++i) {
    log.append(R"({"n":)" + std::to_string(i) + R"(,"subject":"330102196001010011"})", {});
  }
  return path;
}

// Recomputes the SHA-256 chain of `lines` from the first (what someone who can write the file,
// but has no signing key, can do); with `heads`, checkpoint heads are made to match too.
void rechain(std::vector<std::string>& lines, bool heads) {
  std::string prev(AuditLine::kFirstPrev);
  for (auto& line : lines) {
    const auto old = std::string(*AuditLine::prevOf(line));
    line = line.substr(0, line.size() - 64 - 2) + prev + "\"}";
    if (heads && AuditCheckpoint::parse(line)) {
      const auto at = line.find(R"("head":")" + old);
      line.replace(at + 8, 64, prev);
    }
    prev = sha256Hex(line);
  }
}

TEST(AuditCheckpointTest, ARewrittenTrailIsCaughtByTheCheckpointSignature) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  auto lines = readLines(path);
  ASSERT_EQ(checkpointLines(lines), (std::vector<std::size_t>{5, 10, 13}));
  const auto verifyKeys = keys();
  ASSERT_TRUE(verifyAuditChain(path, &verifyKeys).intact);

  // Who asked is changed on line 2 and the whole chain recomputed, checkpoint heads included.
  const auto at = lines[1].find("330102196001010011");
  lines[1].replace(at, 18, "330102196001010012");
  rechain(lines, true);
  writeLines(path, lines);
  auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 5u);
  EXPECT_NE(report.problem.find("signature does not verify with key '2026-12'"), std::string::npos)
      << report.problem;
  // Without the keys only heads and counts are checked, and they were forged too.
  report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact);
  EXPECT_FALSE(report.signaturesChecked);
}

TEST(AuditCheckpointTest, ARechainedTrailWithOldHeadsFailsAtTheFirstCheckpoint) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  auto lines = readLines(path);
  lines.erase(lines.begin() + 2);  // a record removed, the chain recomputed
  rechain(lines, false);
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 4u);
  EXPECT_NE(report.problem.find("head is not the hash of the line before it"), std::string::npos)
      << report.problem;
}

TEST(AuditCheckpointTest, ARemovedLineWithHeadsForgedShowsInTheCount) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  auto lines = readLines(path);
  lines.erase(lines.begin() + 2);
  rechain(lines, true);
  writeLines(path, lines);
  const auto report = verifyAuditChain(path);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 4u);
  EXPECT_NE(report.problem.find("counts 5 lines up to it, but the chain holds 4"),
            std::string::npos)
      << report.problem;
}

TEST(AuditCheckpointTest, AnUnknownKeyIdOrAnotherKeyIsAFailureNamingTheLine) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  AuditCheckpointKeys other;
  other.emplace("2026-06", signingKey().publicKey());
  auto report = verifyAuditChain(path, &other);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 5u);
  EXPECT_NE(report.problem.find("line 5 is a checkpoint signed with key '2026-12', which is not "
                                "among the keys given"),
            std::string::npos)
      << report.problem;

  AuditCheckpointKeys impostor;
  impostor.emplace("2026-12", Ed25519PrivateKey::generate().publicKey());
  report = verifyAuditChain(path, &impostor);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.firstBrokenLine, 5u);
  EXPECT_NE(report.problem.find("signature does not verify"), std::string::npos) << report.problem;
}

TEST(AuditCheckpointTest, ATrailCutAfterItsLastCheckpointShowsTheLinesAfterItAsUnprotected) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  auto lines = readLines(path);
  lines.resize(8);  // the checkpoint on line 5, then three records
  writeLines(path, lines);
  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.checkpoints.size(), 1u);
  EXPECT_EQ(report.checkpoints[0].records, 5u);
  EXPECT_EQ(report.checkpoints[0].line, 5u);
  EXPECT_FALSE(report.checkpoints[0].time.empty());
  EXPECT_EQ(report.records, 8u);
  EXPECT_EQ(report.unprotectedLines(), 3u);
}

TEST(AuditCheckpointTest, ATrailCutBeforeACheckpointKeptElsewhereIsReportedTruncated) {
  TempDir dir;
  const auto path = checkpointedTrail(dir);
  const auto full = readLines(path);
  const auto kept = *AuditCheckpoint::parse(full[9]);  // line 10: what the central store holds
  const auto first = *AuditCheckpoint::parse(full[4]);
  auto lines = full;
  lines.resize(8);
  writeLines(path, lines);
  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  ASSERT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.coverage(kept.records, kept.head), Coverage::Truncated);
  EXPECT_FALSE(report.covers(kept.records, kept.head));
  EXPECT_EQ(report.coverage(first.records, first.head), Coverage::Covered);
  EXPECT_TRUE(report.covers(first.records, first.head));
  EXPECT_EQ(report.coverage(first.records, kept.head), Coverage::Differs);
  EXPECT_EQ(report.coverage(7, first.head), Coverage::Differs) << "line 7 is no checkpoint";

  writeLines(path, full);
  const auto whole = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(whole.covers(kept.records, kept.head));
}

TEST(AuditCheckpointTest, ATornLineThenARestartThenMoreRecordsVerifiesWithTheTornLineReported) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(config(path, 3), signer());
    for (int i = 1; i <= 4; ++i) appendWritten(log, i);
  }
  // lines: 3 records, checkpoint (4), 1 record, checkpoint at shutdown (6); then a crash
  // mid-write.
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << R"({"time":"2026-12-05T01:02:03.456Z","route":"/v1/res)";
  }
  {
    FileAuditLog log(config(path, 3), signer());
    for (int i = 5; i <= 8; ++i) appendWritten(log, i);
  }
  const auto lines = readLines(path);
  // 6 lines, the torn one, 3 records, a checkpoint, 1 record, the shutdown checkpoint.
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(lines[7], R"({"n":5,"pad":"","prev":")" + sha256Hex(lines[5]) + "\"}");
  EXPECT_EQ(checkedCheckpoint(lines[10]).records, 10u) << "the torn line is not counted";
  EXPECT_EQ(checkedCheckpoint(lines[12]).records, 12u);
  const auto verifyKeys = keys();
  const auto report = verifyAuditChain(path, &verifyKeys);
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.tornLines.size(), 1u);
  EXPECT_EQ(report.tornLines[0].line, 7u);
  EXPECT_EQ(report.tornLines[0].file, path.string());
  EXPECT_EQ(report.records, 12u);
  EXPECT_EQ(report.lines, 13u);
  EXPECT_EQ(report.checkpoints.size(), 4u);
}

TEST(AuditCheckpointTest, AWholeLastLineMissingOnlyItsNewlineStaysInTheChain) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, AuditConfig::Durability::Strict);
    appendWritten(log, 1);
    appendWritten(log, 2);
  }
  // The crash came after the line's bytes, before its newline.
  auto text = testing::readFile(path);
  text.pop_back();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  {
    FileAuditLog log(config(path, 1000), signer());
    appendWritten(log, 3);
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], R"({"n":3,"pad":"","prev":")" + sha256Hex(lines[1]) + "\"}");
  EXPECT_EQ(checkedCheckpoint(lines[3]).records, 4u);
  const auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_TRUE(report.tornLines.empty());
}

}  // namespace
}  // namespace oncegate
