#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "AuditTestFiles.h"
#include "common/Digest.h"
#include "common/Error.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using testing::readFile;
using testing::readLines;
using testing::TempDir;
using Durability = AuditConfig::Durability;

const std::string kZeros(64, '0');

// The real system calls, except those a test tells to fail.
class ScriptedFileOperations : public AuditFileOperations {
 public:
  std::atomic<bool> failWrites{false};        // every write fails (ENOSPC) while set
  std::atomic<int> syncFailures{0};           // the next N fdatasyncs fail (EIO)
  std::atomic<int> rotationWriteFailures{0};  // the next N writes of a rotation record fail

  // While held, every write waits for release(): the writer is stuck on a slow disk, with
  // whatever it took from the queue, and nothing is refused.
  void hold() {
    std::lock_guard lock(gateMutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(gateMutex_);
      held_ = false;
    }
    gate_.notify_all();
  }

  ssize_t write(int fd, const void* data, std::size_t size) override {
    {
      std::unique_lock lock(gateMutex_);
      gate_.wait(lock, [this] { return !held_; });
    }
    const std::string_view bytes(static_cast<const char*>(data), size);
    if (failWrites || (bytes.find(FileAuditLog::kRotationEvent) != std::string_view::npos &&
                       consume(rotationWriteFailures))) {
      errno = ENOSPC;
      return -1;
    }
    return AuditFileOperations::write(fd, data, size);
  }
  int fdatasync(int fd) override {
    if (consume(syncFailures)) {
      errno = EIO;
      return -1;
    }
    return AuditFileOperations::fdatasync(fd);
  }

 private:
  std::mutex gateMutex_;
  std::condition_variable gate_;
  bool held_ = false;

  static bool consume(std::atomic<int>& count) {
    for (int left = count.load(); left > 0;) {
      if (count.compare_exchange_weak(left, left - 1)) return true;
    }
    return false;
  }
};

// What `durable` was told for `record`, or nothing when it was not told within 5 s.
std::optional<bool> appendAndWait(FileAuditLog& log, std::string record) {
  auto outcome = std::make_shared<std::promise<bool>>();
  auto future = outcome->get_future();
  log.append(std::move(record), [outcome](bool recorded) { outcome->set_value(recorded); });
  if (future.wait_for(5s) != std::future_status::ready) return std::nullopt;
  return future.get();
}

TEST(FileAuditLogTest, StrictRunsDurableOnlyOnceTheLineIsInTheFile) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, Durability::Strict);
  std::vector<std::promise<std::string>> seen(3);
  for (int i = 0; i < 3; ++i) {
    log.append(R"({"n":)" + std::to_string(i) + "}", [&, i](bool) {
      // What is in the file at the moment durable runs.
      seen[i].set_value(readFile(path));
    });
  }
  for (int i = 0; i < 3; ++i) {
    auto future = seen[i].get_future();
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
    EXPECT_NE(future.get().find(R"({"n":)" + std::to_string(i) + R"(,"prev":")"), std::string::npos)
        << "durable ran before record " << i << " was written";
  }
}

TEST(FileAuditLogTest, StrictRunsDurableOnTheWriterThread) {
  TempDir dir;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict);
  std::promise<std::thread::id> ran;
  log.append(R"({"a":1})", [&](bool) { ran.set_value(std::this_thread::get_id()); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST(FileAuditLogTest, LinesCarryTheHashOfTheLineBefore) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, Durability::Strict);
    log.append(R"({"who":"retirement-app","subject":"x"})", {});
    log.append(R"({"who":"b"})", {});
    log.append("{}", {});
    log.flush();
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], R"({"who":"retirement-app","subject":"x","prev":")" + kZeros + "\"}");
  EXPECT_EQ(lines[1], R"({"who":"b","prev":")" + sha256Hex(lines[0]) + "\"}");
  EXPECT_EQ(lines[2], R"({"prev":")" + sha256Hex(lines[1]) + "\"}");
}

TEST(FileAuditLogTest, RecordsAreKeptOnOneLine) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, Durability::Strict);
    log.append("  {\n  \"a\": 1,\r\n  \"b\": \"x\"\n}\n", {});
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "{   \"a\": 1,    \"b\": \"x\" ,\"prev\":\"" + kZeros + "\"}");
}

TEST(FileAuditLogTest, RejectsARecordThatIsNotAnObject) {
  TempDir dir;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict);
  for (const char* record : {"", "   ", "[1,2]", "\"text\"", "{\"a\":1", "\"a\":1}"}) {
    EXPECT_THROW(log.append(record, {}), Error) << record;
  }
}

TEST(FileAuditLogTest, ChainContinuesAcrossReopen) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, Durability::Strict);
    log.append(R"({"run":1})", {});
    log.append(R"({"run":1})", {});
  }
  {
    FileAuditLog log(path, Durability::Batch);
    log.append(R"({"run":2})", {});
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], R"({"run":2,"prev":")" + sha256Hex(lines[1]) + "\"}");
  const auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.lines, 3u);
}

TEST(FileAuditLogTest, DestructorDrainsTheQueue) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  std::atomic<int> durable{0};
  {
    FileAuditLog log(path, Durability::Strict);
    for (int i = 0; i < 500; ++i)
      log.append(R"({"i":)" + std::to_string(i) + "}", [&](bool) { ++durable; });
  }
  EXPECT_EQ(durable.load(), 500);
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 500u);
  EXPECT_EQ(lines[499].substr(0, 9), R"({"i":499,)");
  EXPECT_TRUE(verifyAuditChain(path).intact);
}

TEST(FileAuditLogTest, ConcurrentAppendsFormOneChain) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  std::atomic<int> durable{0};
  {
    FileAuditLog log(path, Durability::Strict);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          log.append(R"({"t":)" + std::to_string(t) + "}", [&](bool) { ++durable; });
        }
      });
    }
    for (auto& thread : threads) thread.join();
    log.flush();
    EXPECT_EQ(durable.load(), 400);
  }
  const auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.lines, 400u);
}

TEST(FileAuditLogTest, BatchRunsDurableAtOnceAndWritesSoonAfter) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, Durability::Batch);
  bool durable = false;
  log.append(R"({"batch":true})", [&](bool) { durable = true; });
  EXPECT_TRUE(durable) << "batch mode runs durable inside append()";

  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (readLines(path).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(readLines(path).size(), 1u) << "the background writer never wrote the record";
  EXPECT_EQ(readLines(path)[0], R"({"batch":true,"prev":")" + kZeros + "\"}");

  log.append(R"({"batch":2})", {});
  log.flush();
  EXPECT_EQ(readLines(path).size(), 2u);
}

TEST(FileAuditLogTest, BatchWritesAFullQueueAtOnceAndFlushSyncsWhatWasWritten) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, Durability::Batch);
  // A full queue wakes the writer before the sync interval; the records reach the file, and a
  // later flush() with nothing queued must still sync them (not wait for more records).
  const auto count = FileAuditLog::kBatchWriteThreshold;
  for (std::size_t i = 0; i < count; ++i) log.append(R"({"n":)" + std::to_string(i) + "}", {});
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (readLines(path).size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(readLines(path).size(), count);
  log.flush();
  EXPECT_EQ(readLines(path).size(), count);
  EXPECT_TRUE(verifyAuditChain(path).intact);
}

TEST(FileAuditLogTest, StrictTellsWaitingRequestsWhenTheirRecordsCannotBeWritten) {
  // /dev/full accepts the open and refuses every write (ENOSPC): a disk that is full.
  FileAuditLog log("/dev/full", Durability::Strict);
  std::promise<bool> outcome;
  log.append(R"({"a":1})", [&](bool recorded) { outcome.set_value(recorded); });
  auto future = outcome.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready) << "the request was left waiting";
  EXPECT_FALSE(future.get());
  EXPECT_FALSE(log.healthy());
}

TEST(FileAuditLogTest, CreatesDirectoriesAndAPrivateFile) {
  TempDir dir;
  const auto path = dir.path() / "var" / "log" / "audit.jsonl";
  FileAuditLog log(path, Durability::Strict);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(FileAuditLogTest, ASecondWriterIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog first(path, Durability::Strict);
  try {
    FileAuditLog second(path, Durability::Strict);
    FAIL() << "two writers on one file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_NE(e.message().find("in use"), std::string::npos) << e.message();
  }
}

TEST(FileAuditLogTest, UnopenablePathIsAClearError) {
  TempDir dir;
  const auto blocker = dir.path() / "file";
  testing::writeLines(blocker, {"x"});
  try {
    FileAuditLog log(blocker / "audit.jsonl", Durability::Strict);
    FAIL() << "opened a file under a regular file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_NE(e.message().find((blocker / "audit.jsonl").string()), std::string::npos)
        << e.message();
  }
}

TEST(FileAuditLogTest, ATornLastLineIsKeptAndTheChainGoesOnFromTheLastWholeLine) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, Durability::Strict);
    log.append(R"({"a":1})", {});
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << R"({"torn":)";
  }
  {
    FileAuditLog log(path, Durability::Strict);
    log.append(R"({"a":2})", {});
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], R"({"torn":)");
  EXPECT_EQ(lines[2], R"({"a":2,"prev":")" + sha256Hex(lines[0]) + "\"}");
  const auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.tornLines.size(), 1u);
  EXPECT_EQ(report.tornLines[0].line, 2u);
  EXPECT_EQ(report.lines, 3u);
  EXPECT_EQ(report.records, 2u) << "a torn line is not in the chain";
}

// The audit files of `dir` other than `current`, oldest first (their names sort by time).
std::vector<std::filesystem::path> rotatedFiles(const std::filesystem::path& dir,
                                                const std::filesystem::path& current) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path() != current) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FileAuditLogTest, AFullFileIsRotatedAndTheNextOneContinuesTheChain) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const std::string padding(200, 'x');
  {
    FileAuditLog log(path, Durability::Strict, 1000);
    for (int i = 0; i < 12; ++i) {
      std::promise<bool> written;
      log.append(R"({"n":)" + std::to_string(i) + R"(,"pad":")" + padding + "\"}",
                 [&written](bool recorded) { written.set_value(recorded); });
      ASSERT_TRUE(written.get_future().get());  // one batch per record: a rotation in between
    }
  }
  auto files = rotatedFiles(dir.path(), path);
  ASSERT_GE(files.size(), 2u);
  for (const auto& file : files) {
    EXPECT_EQ(file.filename().string().rfind("audit.jsonl.", 0), 0u) << file;
    EXPECT_TRUE(verifyAuditChain(file).intact) << file;
  }
  // The current file starts with the link to the last rotated one.
  const auto lines = readLines(path);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find(R"("event":"audit_log_rotated")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("continues":")" + files.back().filename().string() + "\""),
            std::string::npos)
      << lines[0];
  const auto alone = verifyAuditChain(path);
  EXPECT_TRUE(alone.intact) << alone.problem;
  EXPECT_EQ(alone.continues, files.back().filename().string());

  // The whole trail, in order, is one chain holding every record (and the rotation records).
  files.push_back(path);
  const auto whole = verifyAuditFiles(files);
  EXPECT_TRUE(whole.intact) << whole.file << ": " << whole.problem;
  EXPECT_TRUE(whole.continues.empty());
  std::size_t records = 0;
  for (const auto& file : files) {
    for (const auto& line : readLines(file)) records += line.find(R"("n":)") == 1 ? 1 : 0;
  }
  EXPECT_EQ(records, 12u);

  // Out of order, or with a file left out, the link does not hold.
  auto shuffled = files;
  std::swap(shuffled[0], shuffled[1]);
  EXPECT_FALSE(verifyAuditFiles(shuffled).intact);
  auto gap = files;
  gap.erase(gap.begin() + 1);
  const auto gapReport = verifyAuditFiles(gap);
  EXPECT_FALSE(gapReport.intact);
  EXPECT_EQ(gapReport.firstBrokenLine, 1u);
}

TEST(FileAuditLogTest, RemovingTheHeadOfARotatedFileIsStillDetected) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, Durability::Strict, 600);
    for (int i = 0; i < 8; ++i) {
      std::promise<bool> written;
      log.append(R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(200, 'y') + "\"}",
                 [&written](bool recorded) { written.set_value(recorded); });
      ASSERT_TRUE(written.get_future().get());
    }
  }
  auto lines = readLines(path);
  ASSERT_GE(lines.size(), 2u);
  lines.erase(lines.begin());  // the rotation record goes: the next line claims no link
  testing::writeLines(path, lines);
  EXPECT_FALSE(verifyAuditChain(path).intact);
}

TEST(FileAuditLogTest, ADurableCallbackThatBlocksDoesNotStopAppendsFromOtherThreads) {
  TempDir dir;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict);
  std::latch release(1);
  std::promise<void> entered;
  log.append(R"({"a":1})", [&](bool) {
    entered.set_value();
    release.wait();
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);
  auto others = std::async(std::launch::async, [&] {
    for (int i = 0; i < 10; ++i) log.append(R"({"b":1})", {});
    return log.healthy();
  });
  const auto status = others.wait_for(5s);
  release.count_down();
  EXPECT_EQ(status, std::future_status::ready) << "append() waited for a durable callback";
  EXPECT_TRUE(others.get());
}

// A request's state, released with its durable callback, whose destruction is slow (it may drop
// the last reference to a configuration snapshot).
struct SlowToRelease {
  // A constructor, not aggregate initialisation: make_shared's parenthesised form of the latter
  // is C++20 that Clang 14 does not implement.
  SlowToRelease(std::latch& releaseLatch, std::promise<void>& releasingPromise)
      : release(releaseLatch), releasing(releasingPromise) {}
  SlowToRelease(const SlowToRelease&) = delete;
  SlowToRelease& operator=(const SlowToRelease&) = delete;
  std::latch& release;
  std::promise<void>& releasing;
  ~SlowToRelease() {
    releasing.set_value();
    release.wait();
  }
};

TEST(FileAuditLogTest, ReleasingARequestsStateDoesNotStopAppendsFromOtherThreads) {
  TempDir dir;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict);
  std::latch release(1);
  std::promise<void> releasing;
  {
    auto state = std::make_shared<SlowToRelease>(release, releasing);
    log.append(R"({"a":1})", [state](bool) {});
  }
  ASSERT_EQ(releasing.get_future().wait_for(5s), std::future_status::ready);
  auto others = std::async(std::launch::async, [&] {
    for (int i = 0; i < 10; ++i) log.append(R"({"b":1})", {});
    return log.healthy();
  });
  const auto status = others.wait_for(5s);
  release.count_down();
  EXPECT_EQ(status, std::future_status::ready) << "append() waited for a request's state to go";
  EXPECT_TRUE(others.get());
}

TEST(FileAuditLogTest, ADurableCallbackMayAppendAgain) {
  TempDir dir;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict);
  std::promise<bool> inner;
  log.append(R"({"a":1})", [&](bool) {
    log.append(R"({"a":2})", [&](bool recorded) { inner.set_value(recorded); });
  });
  auto future = inner.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready) << "the re-entrant append deadlocked";
  EXPECT_TRUE(future.get());
}

TEST(FileAuditLogTest, ARotationThatCannotEvenCheckItsNewNameKeepsTheTrail) {
  TempDir dir;
  // PATH.<UTC time> is longer than a file name may be: checking whether it exists fails
  // (ENAMETOOLONG), and that failure must not take the writer thread, and the process, down.
  const auto path = dir.path() / (std::string(240, 'a') + ".jsonl");
  FileAuditLog log(path, Durability::Strict, 1000);
  for (int i = 0; i < 8; ++i) {
    const auto recorded = appendAndWait(
        log, R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(200, 'z') + "\"}");
    ASSERT_TRUE(recorded.has_value()) << "record " << i << " was never answered";
    EXPECT_TRUE(*recorded) << "record " << i;
  }
  EXPECT_TRUE(log.healthy());
  log.flush();
  const auto report = verifyAuditChain(path);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.lines, 8u);
}

TEST(FileAuditLogTest, ARotationRecordThatCannotBeWrittenIsRetriedAndTheChainHolds) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  ScriptedFileOperations operations;
  operations.rotationWriteFailures = 1;
  {
    FileAuditLog log(path, Durability::Strict, 1000, operations);
    for (int i = 0; i < 12; ++i) {
      const auto recorded = appendAndWait(
          log, R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(200, 'x') + "\"}");
      ASSERT_EQ(recorded, std::optional<bool>(true)) << "record " << i;
    }
  }
  EXPECT_EQ(operations.rotationWriteFailures.load(), 0) << "no rotation was tried";
  auto files = rotatedFiles(dir.path(), path);
  ASSERT_GE(files.size(), 1u) << "the rotation was never retried";
  files.push_back(path);
  const auto whole = verifyAuditFiles(files);
  EXPECT_TRUE(whole.intact) << whole.file << ": " << whole.problem;
  std::size_t records = 0;
  for (const auto& file : files) {
    for (const auto& line : readLines(file)) records += line.find(R"("n":)") == 1 ? 1 : 0;
  }
  EXPECT_EQ(records, 12u);
}

TEST(FileAuditLogTest, BatchRefusesRecordsAtOnceWhileTooManyWaitForAFailingDisk) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  ScriptedFileOperations operations;
  operations.failWrites = true;
  FileAuditLog log(path, Durability::Batch, 0, operations);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < FileAuditLog::kBatchQueueLimit; ++i) {
    log.append(R"({"n":)" + std::to_string(i) + "}", [&](bool recorded) { accepted += recorded; });
  }
  EXPECT_EQ(accepted, FileAuditLog::kBatchQueueLimit);
  std::optional<bool> over;
  log.append(R"({"over":1})", [&](bool recorded) { over = recorded; });
  ASSERT_TRUE(over.has_value()) << "batch mode answers inside append()";
  EXPECT_FALSE(*over) << "a record past the bound was accepted";
  EXPECT_FALSE(log.healthy());

  // Once the disk takes writes again, everything accepted reaches the file, in one chain.
  operations.failWrites = false;
  log.flush();
  EXPECT_EQ(readLines(path).size(), FileAuditLog::kBatchQueueLimit);
  EXPECT_TRUE(verifyAuditChain(path).intact);
}

TEST(FileAuditLogTest, StrictRefusesRecordsAtOnceWhileTooManyWaitForTheDisk) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  ScriptedFileOperations operations;
  operations.hold();  // the disk takes no write: every record appended now waits
  FileAuditLog log(path, Durability::Strict, 0, operations);
  struct ReleaseBeforeTheLogStops {  // a failed ASSERT must not leave the writer stuck
    ScriptedFileOperations& operations;
    ~ReleaseBeforeTheLogStops() { operations.release(); }
  } releaseAtEnd{operations};
  std::atomic<std::size_t> recorded{0};
  std::atomic<std::size_t> refused{0};
  for (std::size_t i = 0; i < FileAuditLog::kStrictQueueLimit; ++i) {
    log.append(R"({"n":)" + std::to_string(i) + "}",
               [&](bool written) { (written ? recorded : refused).fetch_add(1); });
  }
  std::optional<bool> over;
  log.append(R"({"over":1})", [&](bool written) { over = written; });
  ASSERT_TRUE(over.has_value()) << "a record past the bound must be answered at once";
  EXPECT_FALSE(*over) << "a record past the bound was accepted";
  EXPECT_FALSE(log.healthy());
  EXPECT_EQ(refused.load(), 0U);

  // Once the disk takes writes again, every record accepted is written and told so.
  operations.release();
  log.flush();
  EXPECT_EQ(recorded.load(), FileAuditLog::kStrictQueueLimit);
  EXPECT_EQ(readLines(path).size(), FileAuditLog::kStrictQueueLimit);
  EXPECT_TRUE(log.healthy());
}

TEST(FileAuditLogTest, StrictStaysUnhealthyAfterAFailedFsyncEvenOnceSyncsSucceedAgain) {
  TempDir dir;
  ScriptedFileOperations operations;
  operations.syncFailures = 1;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Strict, 0, operations);
  EXPECT_EQ(appendAndWait(log, R"({"a":1})"), std::optional<bool>(false));
  EXPECT_FALSE(log.healthy());
  // The next fdatasync would succeed, but proves nothing about pages the kernel dropped.
  EXPECT_EQ(appendAndWait(log, R"({"a":2})"), std::optional<bool>(false));
  EXPECT_FALSE(log.healthy());
}

TEST(FileAuditLogTest, BatchStaysUnhealthyAfterAFailedFsyncEvenOnceSyncsSucceedAgain) {
  TempDir dir;
  ScriptedFileOperations operations;
  operations.syncFailures = 1;
  FileAuditLog log(dir.path() / "audit.jsonl", Durability::Batch, 0, operations);
  log.append(R"({"a":1})", {});
  log.flush();
  EXPECT_FALSE(log.healthy());
  log.append(R"({"a":2})", {});
  log.flush();
  EXPECT_FALSE(log.healthy());
}

TEST(FileAuditLogTest, StatsCountWaitingWrittenAndRefusedRecordsAndTimeEachFsync) {
  TempDir dir;
  ScriptedFileOperations operations;
  {
    FileAuditLog log(dir.path() / "strict.jsonl", Durability::Strict, 0, operations);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(appendAndWait(log, "{}"), std::optional<bool>(true));
    auto stats = log.stats();
    EXPECT_EQ(stats.recordsWaiting, 0u);
    EXPECT_EQ(stats.recordsWritten, 3u);
    EXPECT_EQ(stats.recordsRefused, 0u);
    EXPECT_GE(stats.fsyncDurations.count, 1u);
    EXPECT_LE(stats.fsyncDurations.count, 3u);  // group commit: at most one per batch

    operations.syncFailures = 1;
    ASSERT_EQ(appendAndWait(log, "{}"), std::optional<bool>(false));
    ASSERT_EQ(appendAndWait(log, "{}"), std::optional<bool>(false));
    stats = log.stats();
    EXPECT_EQ(stats.recordsWritten, 3u);
    EXPECT_EQ(stats.recordsRefused, 2u);
  }
  operations.failWrites = true;
  FileAuditLog log(dir.path() / "batch.jsonl", Durability::Batch, 0, operations);
  for (int i = 0; i < 10; ++i) log.append("{}", {});
  EXPECT_EQ(log.stats().recordsWaiting, 10u);
  operations.failWrites = false;
  log.flush();
  EXPECT_EQ(log.stats().recordsWaiting, 0u);
  EXPECT_EQ(log.stats().recordsWritten, 10u);
}

}  // namespace
}  // namespace oncegate
