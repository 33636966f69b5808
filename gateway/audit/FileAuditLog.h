#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/audit/AuditConfig.h"
#include "gateway/audit/AuditFileOperations.h"
#include "gateway/audit/AuditLog.h"

namespace oncegate {

// The AuditLog on a local file (JSON lines, hash-chained), written by one writer thread.
// Strict: the writer takes every queued record, writes them, fdatasyncs once for the batch (group
// commit) and then runs their `durable` callbacks. Batch: `durable` runs inside append() and the
// writer writes and syncs at most every kBatchSyncInterval.
// The file is opened append-only, created 0600 (with its directories), and locked so that a
// second process cannot interleave lines; on open the chain continues from the file's last line.
// A failed write or sync is retried (records are never dropped while running); the destructor
// drains the queue.
class FileAuditLog : public AuditLog {
 public:
  static constexpr std::chrono::milliseconds kBatchSyncInterval{200};
  // In batch mode the writer also wakes once this many records wait, and writes them (without
  // syncing): the queue, and the memory it holds, stay small under load.
  static constexpr std::size_t kBatchWriteThreshold = 256;
  // In batch mode, the most records that may wait (queued or being written) while writes fail;
  // past it append() answers durable(false) at once, so that requests are refused (503) instead
  // of the queue, and the memory it holds, growing without end. About 30 MiB of typical records.
  static constexpr std::size_t kBatchQueueLimit = 65536;
  static constexpr std::chrono::milliseconds kRetryDelay{1000};
  // The "event" of the first record of a file started by rotation; "continues" names the file.
  static constexpr std::string_view kRotationEvent = "audit_log_rotated";

  // Throws Error(InvalidConfig) naming the path when the file cannot be created, opened or
  // locked.
  // With `rotateBytes` above 0, a file that has reached that size is rotated (see AuditConfig).
  // `operations` must outlive the log.
  FileAuditLog(std::filesystem::path path, AuditConfig::Durability durability,
               std::uint64_t rotateBytes = 0,
               AuditFileOperations& operations = AuditFileOperations::system());
  explicit FileAuditLog(const AuditConfig& config);
  ~FileAuditLog() override;

  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;

  // Throws Error(Internal) when `record` is not one JSON object (a bug of the caller).
  void append(std::string record, Durable durable) override;

  // Blocks until every record appended before the call is written and synced.
  void flush();

  // False while writes or syncs fail (disk full, I/O error): for /readyz.
  bool healthy() const override;

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Pending {
    std::string record;
    Durable durable;
  };

  void open();
  // Opens (creating it and its directories) and locks `path_`; returns the descriptor.
  int openLocked() const;
  // Renames the full file PATH.<UTC time> and starts a new one whose first line, a rotation
  // record chained to the old file's last line, names the file it continues. Writer thread only;
  // on any failure the current file is kept (and rotation tried again after the next batch).
  void rotate();
  void writerLoop();
  // Writes `bytes` from `written` on and syncs; false after a failure (already logged).
  bool writeAndSync(const std::string& bytes, std::size_t& written, bool sync);
  bool stoppingNow() const;

  std::filesystem::path path_;
  AuditConfig::Durability durability_;
  std::uint64_t rotateBytes_;
  AuditFileOperations& operations_;
  bool rotateFailed_ = false;  // writer thread only: a failure is logged once until one succeeds
  int fd_ = -1;
  std::string prev_;  // writer thread only (after open)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable synced_;
  std::deque<Pending> queue_;
  std::uint64_t appended_ = 0;
  std::uint64_t durable_ = 0;
  bool flushRequested_ = false;
  bool stopping_ = false;
  bool healthy_ = true;
  std::thread writer_;
};

}  // namespace oncegate
