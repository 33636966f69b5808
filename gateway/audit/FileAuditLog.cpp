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
#include "gateway/audit/AuditLine.h"

namespace oncegate {

namespace {

// How many times a failing write is retried when the log is being closed, before the remaining
// records are given up (and reported) so that shutdown cannot hang forever on a full disk.
constexpr int kShutdownAttempts = 3;
constexpr std::size_t kTailChunk = 4096;

[[noreturn]] void failOpen(const std::filesystem::path& path, std::string_view what, int error) {
  throw Error(ErrorCode::InvalidConfig, "audit log " + path.string() + ": " + std::string(what) +
                                            ": " + std::strerror(error));
}

// The last line of the file (without its newline), read backwards in chunks; `complete` is false
// when the file does not end with a newline (a write torn by a crash).
std::string readLastLine(int fd, off_t size, bool& complete) {
  std::string line;
  complete = true;
  if (size == 0) return line;
  char last = 0;
  if (pread(fd, &last, 1, size - 1) != 1) return line;
  complete = last == '\n';
  off_t end = complete ? size - 1 : size;
  std::string chunk;
  while (end > 0) {
    const auto length = static_cast<std::size_t>(std::min<off_t>(end, kTailChunk));
    chunk.resize(length);
    const off_t start = end - static_cast<off_t>(length);
    if (pread(fd, chunk.data(), length, start) != static_cast<ssize_t>(length)) break;
    const auto newline = chunk.rfind('\n');
    if (newline != std::string::npos) {
      line.insert(0, chunk, newline + 1);
      break;
    }
    line.insert(0, chunk);
    end = start;
  }
  return line;
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
    : path_(std::move(path)),
      durability_(durability),
      rotateBytes_(rotateBytes),
      operations_(operations) {
  open();
  writer_ = std::thread([this] { writerLoop(); });
}

FileAuditLog::FileAuditLog(const AuditConfig& config)
    : FileAuditLog(config.path, config.durability, config.rotateBytes) {}

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
  bool complete = true;
  const std::string last = readLastLine(fd_, info.st_size, complete);
  prev_ = last.empty() && info.st_size == 0 ? std::string(AuditLine::kFirstPrev) : sha256Hex(last);
  if (!complete) {
    // Keep the torn bytes (removing them would hide what happened) and start a fresh line;
    // the verifier reports the torn line.
    spdlog::warn("audit log {}: the last line was incomplete (crash during a write?)",
                 path_.string());
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
  // continues another, and removing lines from its head still breaks the chain.
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("event").string(kRotationEvent);
  json.key("continues").string(rotated.filename().string()).endObject();
  std::string line = AuditLine::chain(AuditLine::prepare(std::move(record)), prev_);
  std::string hash = sha256Hex(line);
  line.push_back('\n');
  std::size_t written = 0;
  if (writeAndSync(fresh, line, written, true) != WriteResult::Written) {
    return restore(fresh, "cannot write the rotation record");
  }
  close(fd_);
  fd_ = fresh;
  prev_ = std::move(hash);
  if (rotateFailed_) spdlog::info("audit log {}: rotating again", path_.string());
  rotateFailed_ = false;
  spdlog::info("audit log {}: rotated; the previous records are in {}", path_.string(),
               rotated.string());
}

FileAuditLog::BatchResult FileAuditLog::writeBatch(const std::deque<Pending>& batch, bool sync) {
  // The writer thread must outlive anything thrown at it: an escaped exception would end the
  // process (std::terminate) with every waiting request.
  const std::string prevBefore = prev_;
  try {
    return writeBatchOrThrow(batch, sync);
  } catch (const std::exception& e) {
    spdlog::error("audit log {}: {} records not written: {}", path_.string(), batch.size(),
                  e.what());
  } catch (...) {
    spdlog::error("audit log {}: {} records not written", path_.string(), batch.size());
  }
  prev_ = prevBefore;
  setWriteHealthy(false);
  return BatchResult{};
}

FileAuditLog::BatchResult FileAuditLog::writeBatchOrThrow(const std::deque<Pending>& batch,
                                                          bool sync) {
  const bool strict = durability_ == AuditConfig::Durability::Strict;
  if (strict && syncBroken_) return BatchResult{};  // queued before the sync failed

  const std::string prevBefore = prev_;
  struct stat before {};
  const bool sizeKnown = fstat(fd_, &before) == 0;
  std::string bytes;
  for (const auto& pending : batch) {
    std::string line = AuditLine::chain(pending.record, prev_);
    prev_ = sha256Hex(line);
    bytes.append(line);
    bytes.push_back('\n');
  }
  // Strict mode: the requests of this batch are waiting. Rather than hold them while the disk
  // is failing, take the batch back out of the file (so the chain stays whole) and tell them it
  // was not recorded: they answer 503 and serve no data.
  const auto takeBack = [&](std::size_t written) {
    if (!sizeKnown || (written != 0 && ftruncate(fd_, before.st_size) != 0)) return false;
    prev_ = prevBefore;
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
    if (strict) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    } else {
      wake_.wait_for(lock, kBatchSyncInterval, [&] {
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
