#include "gateway/audit/FileAuditLog.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/Digest.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "gateway/audit/AuditChainTail.h"
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

// How many times a failing write is retried when the log is being closed, before the remaining
// records are given up (and reported) so that shutdown cannot hang forever on a full disk.
constexpr int kShutdownAttempts = 3;

[[noreturn]] void failOpen(const std::filesystem::path& path, std::string_view what, int error) {
  throw Error(ErrorCode::InvalidConfig, "audit log " + path.string() + ": " + std::string(what) +
                                            ": " + std::strerror(error));
}

void syncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

FileAuditLog::FileAuditLog(std::filesystem::path path, AuditConfig::Durability durability,
                           std::uint64_t rotateBytes, AuditFileOperations& operations)
    : FileAuditLog(AuditConfig{std::move(path), durability, rotateBytes, {}, {}, {}}, std::nullopt,
                   operations) {}

FileAuditLog::FileAuditLog(const AuditConfig& config) : FileAuditLog(config, std::nullopt) {}

FileAuditLog::FileAuditLog(const AuditConfig& config, std::optional<AuditCheckpointSigner> signer,
                           AuditFileOperations& operations)
    : path_(config.path),
      durability_(config.durability),
      rotateBytes_(config.rotateBytes),
      checkpointEvery_(config.checkpoint),
      signer_(std::move(signer)),
      operations_(operations) {
  open();
  writer_ = std::thread([this] { writerLoop(); });
}

FileAuditLog::~FileAuditLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  close(fd_);
}

int FileAuditLog::openLocked() const {
  const auto directory = path_.parent_path();
  if (!directory.empty()) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) failOpen(path_, "cannot create its directory", error.value());
  }
  std::error_code unknown;  // then the directory is synced as for a new file
  const bool existed = std::filesystem::exists(path_, unknown);
  const int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) failOpen(path_, "cannot open", errno);
  // Two writers would interleave lines and break the chain.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    close(fd);
    failOpen(path_, error == EWOULDBLOCK ? "in use by another process" : "cannot lock", error);
  }
  if (!existed) syncDirectory(directory.empty() ? std::filesystem::path(".") : directory);
  return fd;
}

void FileAuditLog::open() {
  fd_ = openLocked();

  struct stat info {};
  if (fstat(fd_, &info) != 0) {
    const int error = errno;
    close(fd_);
    failOpen(path_, "cannot read", error);
  }
  const auto tail = AuditChainTail::read(fd_, info.st_size);
  chain_.prev = tail.lastHash.empty() ? std::string(AuditLine::kFirstPrev) : tail.lastHash;
  chain_.records = tail.records;
  chain_.sinceCheckpoint = tail.sinceCheckpoint;
  chain_.lastCheckpoint = std::chrono::steady_clock::now();
  if (tail.missingNewline) {
    // Keep the torn bytes (removing them would hide what happened) and start a fresh line that
    // chains to the last whole one; the verifier reports the torn line and goes on.
    if (tail.endsTorn) {
      spdlog::warn(
          "audit log {}: the last line was incomplete (crash during a write?); it is kept, and "
          "the next line chains to the last whole line",
          path_.string());
    }
    std::size_t written = 0;
    if (writeAndSync(fd_, "\n", written, true) != WriteResult::Written) {
      close(fd_);
      failOpen(path_, "cannot write", errno);
    }
  }
}

void FileAuditLog::append(std::string record, Durable durable) {
  std::string prepared = AuditLine::prepare(std::move(record));
  const bool strict = durability_ == AuditConfig::Durability::Strict;
  bool accepted = true;
  bool becameFull = false;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (strict && syncBroken_) {
      accepted = false;
    } else if (queue_.size() + inFlight_ >= (strict ? kStrictQueueLimit : kBatchQueueLimit)) {
      accepted = false;
      becameFull = !queueFull_;
      queueFull_ = true;
    }
    if (accepted) {
      queue_.push_back(Pending{std::move(prepared), strict ? std::move(durable) : Durable{}});
      ++appended_;
      wake = strict || queue_.size() == kBatchWriteThreshold;
    } else {
      ++refused_;
    }
  }
  if (wake) wake_.notify_one();
  if (becameFull) {
    spdlog::error(
        "audit log {}: {} records wait for the disk (failing or too slow); requests are refused "
        "(503) until they are written",
        path_.string(), strict ? kStrictQueueLimit : kBatchQueueLimit);
  }
  if (!accepted) {
    if (durable) durable(false);
    return;
  }
  if (!strict && durable) durable(true);
}

bool FileAuditLog::stoppingNow() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void FileAuditLog::flush() {
  std::unique_lock lock(mutex_);
  const auto target = appended_;
  flushRequested_ = true;
  wake_.notify_one();
  synced_.wait(lock, [&] { return durable_ >= target; });
}

bool FileAuditLog::healthy() const {
  std::lock_guard lock(mutex_);
  return writesHealthy_ && !queueFull_ && !syncBroken_;
}

FileAuditLog::Stats FileAuditLog::stats() const {
  Stats stats;
  {
    std::lock_guard lock(mutex_);
    stats.recordsWaiting = queue_.size() + inFlight_;
    stats.recordsWritten = written_;
    stats.recordsRefused = refused_;
  }
  stats.fsyncDurations = fsyncDurations_.snapshot();
  return stats;
}

void FileAuditLog::setWriteHealthy(bool healthy) {
  std::lock_guard lock(mutex_);
  writesHealthy_ = healthy;
}

void FileAuditLog::waitBeforeRetry() {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, kRetryDelay, [this] { return stopping_; });
}

bool FileAuditLog::sync(int fd) {
  const auto start = std::chrono::steady_clock::now();
  const int result = operations_.fdatasync(fd);
  const int error = errno;
  fsyncDurations_.observe(std::chrono::steady_clock::now() - start);
  if (result == 0) return true;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = !syncBroken_;
    syncBroken_ = true;
  }
  if (first) {
    spdlog::critical(
        "audit log {}: fdatasync failed: {}. Records written before this may not be on disk, and "
        "no later sync can prove they are: the trail is unhealthy (/readyz answers 503) and "
        "strict-mode requests are refused until the gateway is restarted. Check the disk and "
        "the kernel log, run `oncegatectl verify-audit` on the trail, then restart the gateway.",
        path_.string(), std::strerror(error));
  }
  return false;
}

FileAuditLog::WriteResult FileAuditLog::writeAndSync(int fd, const std::string& bytes,
                                                     std::size_t& written, bool sync) {
  while (written < bytes.size()) {
    const ssize_t count = operations_.write(fd, bytes.data() + written, bytes.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      spdlog::error("audit log {}: write failed: {}", path_.string(), std::strerror(errno));
      return WriteResult::WriteFailed;
    }
    written += static_cast<std::size_t>(count);
  }
  if (sync && !this->sync(fd)) return WriteResult::SyncFailed;
  return WriteResult::Written;
}

void FileAuditLog::rotate() {
  const auto fail = [this](const std::string& why) {
    if (!rotateFailed_) spdlog::error("audit log {}: cannot rotate: {}", path_.string(), why);
    rotateFailed_ = true;
  };
  // The file ends with a signed head, so that cutting its tail off shows.
  if (!writeCheckpoint()) return fail("cannot write the checkpoint that closes the file");
  // Nothing unsynced is left behind a rename.
  if (!sync(fd_)) return fail("fdatasync failed");
  const std::string stamp = compactUtcTimestamp();
  std::filesystem::path rotated = path_.string() + "." + stamp;
  for (int n = 1;; ++n) {
    std::error_code error;
    const bool taken = std::filesystem::exists(rotated, error);
    if (error) return fail("cannot check " + rotated.string() + ": " + error.message());
    if (!taken) break;
    rotated = path_.string() + "." + stamp + "-" + std::to_string(n);
  }
  if (::rename(path_.c_str(), rotated.c_str()) != 0) {
    return fail("rename to " + rotated.string() + ": " + std::strerror(errno));
  }
  // Until the new file holds its rotation record the old one stays current: renamed back under
  // the configured name, with the chain where it was.
  const auto restore = [&](int fresh, const std::string& why) {
    if (fresh >= 0) close(fresh);
    if (::rename(rotated.c_str(), path_.c_str()) != 0) {
      spdlog::critical("audit log {}: cannot rename {} back: {}; records go on into {}",
                       path_.string(), rotated.string(), std::strerror(errno), rotated.string());
    }
    fail(why);
  };
  int fresh = -1;
  try {
    fresh = openLocked();
  } catch (const Error& e) {
    return restore(-1, e.message());
  }
  // The new file begins with the link to the old one: a verifier given this file alone knows it
  // continues another, and removing lines from its head still breaks the chain. The record
  // carries the chain's count so that the count goes on without reading the old file; a
  // checkpoint right after it gives the new file a signed head from its start.
  const ChainState before = chain_;
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("event").string(kRotationEvent);
  json.key("continues").string(rotated.filename().string());
  json.key("records").integer(static_cast<std::int64_t>(chain_.records + 1)).endObject();
  std::string bytes;
  try {
    appendLine(bytes, AuditLine::prepare(std::move(record)));
    if (signer_) appendCheckpoint(bytes);
  } catch (const std::exception& e) {
    chain_ = before;
    return restore(fresh, std::string("cannot sign the checkpoint: ") + e.what());
  }
  std::size_t written = 0;
  if (writeAndSync(fresh, bytes, written, true) != WriteResult::Written) {
    chain_ = before;
    return restore(fresh, "cannot write the rotation record");
  }
  close(fd_);
  fd_ = fresh;
  if (rotateFailed_) spdlog::info("audit log {}: rotating again", path_.string());
  rotateFailed_ = false;
  spdlog::info("audit log {}: rotated; the previous records are in {}", path_.string(),
               rotated.string());
}

void FileAuditLog::appendLine(std::string& bytes, std::string_view prepared) {
  std::string line = AuditLine::chain(prepared, chain_.prev);
  chain_.prev = sha256Hex(line);
  ++chain_.records;
  ++chain_.sinceCheckpoint;
  bytes.append(line);
  bytes.push_back('\n');
}

void FileAuditLog::appendCheckpoint(std::string& bytes) {
  const auto checkpoint = signer_->sign(chain_.prev, chain_.records + 1, utcTimestamp());
  appendLine(bytes, checkpoint.record());
  chain_.sinceCheckpoint = 0;
  chain_.lastCheckpoint = std::chrono::steady_clock::now();
}

std::optional<std::chrono::steady_clock::time_point> FileAuditLog::checkpointDue() const {
  if (!signer_ || chain_.sinceCheckpoint == 0) return std::nullopt;
  return chain_.lastCheckpoint + checkpointEvery_.interval;
}

bool FileAuditLog::writeCheckpoint() {
  if (!signer_ || chain_.sinceCheckpoint == 0) return true;
  if (syncBroken_) return false;  // nothing written now can be proven on disk
  const ChainState before = chain_;
  struct stat info {};
  const bool sizeKnown = fstat(fd_, &info) == 0;
  std::string bytes;
  try {
    appendCheckpoint(bytes);
  } catch (const std::exception& e) {
    chain_ = before;
    spdlog::error("audit log {}: cannot sign a checkpoint: {}", path_.string(), e.what());
    return false;
  }
  std::size_t written = 0;
  const auto result = writeAndSync(fd_, bytes, written, true);
  if (result == WriteResult::Written) return true;
  if (result == WriteResult::WriteFailed) {
    chain_ = before;
    // A part of the line must not run into the next one; left torn, the next line still chains
    // to the line before it.
    if (written != 0 && (!sizeKnown || ftruncate(fd_, info.st_size) != 0)) {
      std::size_t newline = 0;
      writeAndSync(fd_, "\n", newline, false);
    }
  }
  return false;  // a failed sync is final (sync() said so); the line stays in the file
}

FileAuditLog::BatchResult FileAuditLog::writeBatch(const std::deque<Pending>& batch, bool sync) {
  // The writer thread must outlive anything thrown at it: an escaped exception would end the
  // process (std::terminate) with every waiting request.
  const ChainState chainBefore = chain_;
  try {
    return writeBatchOrThrow(batch, sync);
  } catch (const std::exception& e) {
    spdlog::error("audit log {}: {} records not written: {}", path_.string(), batch.size(),
                  e.what());
  } catch (...) {
    spdlog::error("audit log {}: {} records not written", path_.string(), batch.size());
  }
  chain_ = chainBefore;
  setWriteHealthy(false);
  return BatchResult{};
}

FileAuditLog::BatchResult FileAuditLog::writeBatchOrThrow(const std::deque<Pending>& batch,
                                                          bool sync) {
  const bool strict = durability_ == AuditConfig::Durability::Strict;
  if (strict && syncBroken_) return BatchResult{};  // queued before the sync failed

  const ChainState chainBefore = chain_;
  struct stat before {};
  const bool sizeKnown = fstat(fd_, &before) == 0;
  std::string bytes;
  for (const auto& pending : batch) {
    appendLine(bytes, pending.record);
    if (signer_ && chain_.sinceCheckpoint >= checkpointEvery_.records) appendCheckpoint(bytes);
  }
  // A busy trail reaches its interval between batches: its checkpoint goes with this one.
  if (const auto due = checkpointDue(); due && *due <= std::chrono::steady_clock::now()) {
    appendCheckpoint(bytes);
  }
  // Strict mode: the requests of this batch are waiting. Rather than hold them while the disk
  // is failing, take the batch back out of the file (so the chain stays whole) and tell them it
  // was not recorded: they answer 503 and serve no data.
  const auto takeBack = [&](std::size_t written) {
    if (!sizeKnown || (written != 0 && ftruncate(fd_, before.st_size) != 0)) return false;
    chain_ = chainBefore;
    spdlog::error("audit log {}: {} records could not be written; their requests are refused",
                  path_.string(), batch.size());
    return true;
  };
  std::size_t written = 0;
  int failures = 0;
  while (true) {
    const auto result = writeAndSync(fd_, bytes, written, sync);
    if (result == WriteResult::Written) break;
    if (result == WriteResult::SyncFailed) {
      // Batch mode: the lines are in the file, and syncing again proves nothing.
      if (strict && takeBack(written)) return BatchResult{};
      break;  // the lines stay, but no sync vouches for them
    }
    ++failures;
    setWriteHealthy(false);
    if (strict && takeBack(written)) return BatchResult{};
    if (stoppingNow() && failures >= kShutdownAttempts) {
      spdlog::critical("audit log {}: closing with {} of {} bytes of audit records unwritten",
                       path_.string(), bytes.size() - written, bytes.size());
      return BatchResult{};
    }
    waitBeforeRetry();
  }
  setWriteHealthy(true);
  BatchResult result;
  result.inFile = true;
  result.recorded = !(strict && syncBroken_);
  result.full = rotateBytes_ > 0 && sizeKnown &&
                static_cast<std::uint64_t>(before.st_size) + bytes.size() >= rotateBytes_;
  return result;
}

void FileAuditLog::writerLoop() {
  const bool strict = durability_ == AuditConfig::Durability::Strict;
  auto lastSync = std::chrono::steady_clock::now();
  std::uint64_t writtenUpTo = 0;  // appended_ as of the last batch written in full
  std::unique_lock lock(mutex_);
  while (true) {
    const auto checkpointAt = checkpointDue();
    if (strict) {
      const auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (checkpointAt) {
        wake_.wait_until(lock, *checkpointAt, ready);
      } else {
        wake_.wait(lock, ready);
      }
    } else {
      auto until = std::chrono::steady_clock::now() + kBatchSyncInterval;
      if (checkpointAt && *checkpointAt < until) until = *checkpointAt;
      wake_.wait_until(lock, until, [&] {
        return stopping_ || flushRequested_ || queue_.size() >= kBatchWriteThreshold;
      });
    }
    // Strict mode syncs every batch; batch mode when asked to, when stopping, and otherwise at
    // most every kBatchSyncInterval (records written in between are in the page cache).
    const auto now = std::chrono::steady_clock::now();
    const bool syncNow =
        strict || flushRequested_ || stopping_ || now - lastSync >= kBatchSyncInterval;
    flushRequested_ = false;
    if (queue_.empty()) {
      if (syncNow && durable_ < writtenUpTo) {
        // Records written since the last sync (batch mode) still need one; a failure is final
        // (sync() says so), so flush() is not left waiting for a sync that would prove nothing.
        lock.unlock();
        sync(fd_);
        lock.lock();
        lastSync = now;
        durable_ = writtenUpTo;
        synced_.notify_all();
        continue;  // records may have come meanwhile
      }
      // An idle trail gets its checkpoint once the interval has passed; a closing one at once
      // (the queue has drained), so that the file ends with a signed head.
      if (stopping_ || (checkpointAt && *checkpointAt <= now)) {
        lock.unlock();
        if (!writeCheckpoint()) {
          // Tried again after kRetryDelay rather than at once and for ever.
          chain_.lastCheckpoint =
              std::chrono::steady_clock::now() + kRetryDelay - checkpointEvery_.interval;
        }
        lock.lock();
      }
      if (stopping_) return;
      continue;
    }
    std::deque<Pending> batch;
    batch.swap(queue_);
    inFlight_ = batch.size();
    const auto last = appended_;
    const auto count = batch.size();
    lock.unlock();

    const BatchResult result = writeBatch(batch, syncNow);
    {
      // Counted before anyone is told, so that a request answered is a request counted.
      std::lock_guard counting(mutex_);
      inFlight_ = 0;
      if (result.inFile) {
        writtenUpTo = last;
        written_ += count;
      }
      if (strict && !result.recorded) refused_ += count;
      if (queue_.size() < (strict ? kStrictQueueLimit : kBatchQueueLimit)) queueFull_ = false;
    }
    for (auto& pending : batch) {
      if (!pending.durable) continue;
      try {
        pending.durable(result.recorded);
      } catch (const std::exception& e) {
        spdlog::error("audit log: a durable callback threw: {}", e.what());
      } catch (...) {
        spdlog::error("audit log: a durable callback threw");
      }
    }
    // The callbacks own request state whose release may be slow: not under the lock.
    batch.clear();

    // After the callbacks: the requests of this batch do not wait for a rename and a new file.
    if (result.full) {
      try {
        rotate();
      } catch (const std::exception& e) {
        spdlog::error("audit log {}: cannot rotate: {}", path_.string(), e.what());
      }
    }
    lock.lock();
    if (syncNow) {
      lastSync = now;
      durable_ = last;
      synced_.notify_all();
    }
  }
}

}  // namespace oncegate
