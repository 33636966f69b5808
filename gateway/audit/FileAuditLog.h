#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/LatencyHistogram.h"
#include "gateway/audit/AuditCheckpointSigner.h"
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
// A failed write is retried (batch records are never dropped while running, up to
// kBatchQueueLimit of them); the destructor drains the queue. A failed fdatasync is final: the
// kernel may have dropped the dirty pages, so later syncs prove nothing about earlier records;
// the log stays unhealthy and strict appends are refused until the process restarts.
// No durable callback runs, and no callback is destroyed, while append() or healthy() would wait:
// a callback owns request state whose release may be slow, and may append again.
// Given a signer, the writer appends a signed checkpoint (AuditCheckpoint) after every
// checkpoint.records lines, checkpoint.interval after the last one when lines came since, when
// it closes (after the queue drains), and before and after a rotation: every file ends with a
// checkpoint and the next one starts from a signed head.
// A file whose last write was torn by a crash gets a newline on open, and the next line chains
// to the last whole line: the torn bytes stay (removing them would hide what happened) and the
// verifier reports them.
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
  // In strict mode, the most records that may wait for their write and sync: past it append()
  // answers durable(false) at once (the request is answered 503, never unaudited). Each waits
  // for the sync before it only, so under load about limits.max_in_flight records wait; the
  // bound is four times its default, about 4 MiB of typical records.
  static constexpr std::size_t kStrictQueueLimit = 8192;
  static constexpr std::chrono::milliseconds kRetryDelay{1000};
  // The "event" of the first record of a file started by rotation; "continues" names the file.
  static constexpr std::string_view kRotationEvent = "audit_log_rotated";

  // What /metrics shows of the writer.
  struct Stats {
    std::uint64_t recordsWaiting = 0;  // appended, not yet written (queued or being written)
    std::uint64_t recordsWritten = 0;  // since start
    std::uint64_t recordsRefused = 0;  // answered durable(false) without being written
    LatencyHistogram::Snapshot fsyncDurations;
  };

  // Throws Error(InvalidConfig) naming the path when the file cannot be created, opened or
  // locked.
  // With `rotateBytes` above 0, a file that has reached that size is rotated (see AuditConfig).
  // `operations` must outlive the log.
  FileAuditLog(std::filesystem::path path, AuditConfig::Durability durability,
               std::uint64_t rotateBytes = 0,
               AuditFileOperations& operations = AuditFileOperations::system());
  explicit FileAuditLog(const AuditConfig& config);
  // With `signer`, checkpoints are written as `config.checkpoint` says (see above).
  FileAuditLog(const AuditConfig& config, std::optional<AuditCheckpointSigner> signer,
               AuditFileOperations& operations = AuditFileOperations::system());
  ~FileAuditLog() override;

  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;

  // Throws Error(Internal) when `record` is not one JSON object (a bug of the caller).
  // Answers durable(false) at once, on the caller's thread, when the record is refused: strict
  // after a failed fdatasync or with kStrictQueueLimit records waiting, batch with
  // kBatchQueueLimit records waiting.
  void append(std::string record, Durable durable) override;

  // Blocks until every record appended before the call is written and a sync was attempted
  // (healthy() tells whether it succeeded).
  void flush();

  // False while writes fail (disk full, I/O error) or batch records are refused, and for good
  // after a failed fdatasync: for /readyz.
  bool healthy() const override;

  Stats stats() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Pending {
    std::string record;
    Durable durable;
  };
  enum class WriteResult { Written, WriteFailed, SyncFailed };
  // Where the chain stands; the writer thread's alone once the file is open.
  struct ChainState {
    std::string prev;                   // SHA-256 hex of the last line in the chain
    std::uint64_t records = 0;          // lines in the chain, from its first line across rotations
    std::uint64_t sinceCheckpoint = 0;  // of them, after the last checkpoint
    std::chrono::steady_clock::time_point lastCheckpoint;  // or when the file was opened
  };
  struct BatchResult {
    bool inFile = false;    // every line is in the file (synced or not)
    bool recorded = false;  // in the file and, strict, synced: what `durable` is told
    bool full = false;      // the file has reached rotateBytes
  };

  void open();
  // Chains `prepared` to the chain's head and adds the line to `bytes`.
  void appendLine(std::string& bytes, std::string_view prepared);
  // Adds a signed checkpoint of the current head to `bytes` (signer_ only).
  void appendCheckpoint(std::string& bytes);
  // When a checkpoint is due by checkpoint.interval; nullopt when none is (no signer, or no line
  // since the last one).
  std::optional<std::chrono::steady_clock::time_point> checkpointDue() const;
  // Writes and syncs a checkpoint on its own when a line came since the last one; false when it
  // could not be written (the chain then stays where it was). Writer thread only.
  bool writeCheckpoint();
  // Opens (creating it and its directories) and locks `path_`; returns the descriptor.
  int openLocked() const;
  // Renames the full file PATH.<UTC time> and starts a new one whose first line, a rotation
  // record chained to the old file's last line, names the file it continues. Writer thread only;
  // on any failure the current file is kept (and rotation tried again after the next batch).
  void rotate();
  void writerLoop();
  // Chains, writes and (when `sync`) syncs `batch`; retries or gives up as the durability says.
  // Writer thread only; never throws.
  BatchResult writeBatch(const std::deque<Pending>& batch, bool sync);
  BatchResult writeBatchOrThrow(const std::deque<Pending>& batch, bool sync);
  // Writes `bytes` from `written` on to `fd` and syncs; a failure is already logged.
  WriteResult writeAndSync(int fd, const std::string& bytes, std::size_t& written, bool sync);
  // fdatasync, timed; a failure marks the log broken for good (and says so once).
  bool sync(int fd);
  void setWriteHealthy(bool healthy);
  // Sleeps kRetryDelay, or less when the log is being closed.
  void waitBeforeRetry();
  bool stoppingNow() const;

  std::filesystem::path path_;
  AuditConfig::Durability durability_;
  std::uint64_t rotateBytes_;
  AuditConfig::Checkpoint checkpointEvery_;
  std::optional<AuditCheckpointSigner> signer_;
  AuditFileOperations& operations_;
  LatencyHistogram fsyncDurations_;
  bool rotateFailed_ = false;  // writer thread only: a failure is logged once until one succeeds
  int fd_ = -1;
  ChainState chain_;  // writer thread only (after open)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable synced_;
  std::deque<Pending> queue_;
  std::size_t inFlight_ = 0;  // records the writer took from queue_ and has not finished
  std::uint64_t appended_ = 0;
  std::uint64_t durable_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t refused_ = 0;
  bool flushRequested_ = false;
  bool stopping_ = false;
  bool writesHealthy_ = true;
  bool queueFull_ = false;   // the queue's limit reached, records are being refused
  bool syncBroken_ = false;  // set by the writer only; never cleared
  std::thread writer_;
};

}  // namespace oncegate
