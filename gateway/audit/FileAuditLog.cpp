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
  const bool existed = std::filesystem::exists(path_);
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
    if (!writeAndSync("\n", written, true)) {
      close(fd_);
      failOpen(path_, "cannot write", errno);
    }
  }
}

void FileAuditLog::append(std::string record, Durable durable) {
  std::string prepared = AuditLine::prepare(std::move(record));
  if (durability_ == AuditConfig::Durability::Batch) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(Pending{std::move(prepared), {}});
      ++appended_;
      wake = queue_.size() == kBatchWriteThreshold;
    }
    if (wake) wake_.notify_one();
    if (durable) durable(true);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{std::move(prepared), std::move(durable)});
    ++appended_;
  }
  wake_.notify_one();
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
  return healthy_;
}

bool FileAuditLog::writeAndSync(const std::string& bytes, std::size_t& written, bool sync) {
  while (written < bytes.size()) {
    const ssize_t count = operations_.write(fd_, bytes.data() + written, bytes.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      spdlog::error("audit log {}: write failed: {}", path_.string(), std::strerror(errno));
      return false;
    }
    written += static_cast<std::size_t>(count);
  }
  if (sync && operations_.fdatasync(fd_) != 0) {
    spdlog::error("audit log {}: fdatasync failed: {}", path_.string(), std::strerror(errno));
    return false;
  }
  return true;
}

void FileAuditLog::rotate() {
  const auto fail = [this](const std::string& why) {
    if (!rotateFailed_) spdlog::error("audit log {}: cannot rotate: {}", path_.string(), why);
    rotateFailed_ = true;
  };
  // Nothing unsynced is left behind a rename.
  if (operations_.fdatasync(fd_) != 0) return fail(std::string("fdatasync: ") + std::strerror(errno));
  const std::string stamp = compactUtcTimestamp();
  std::filesystem::path rotated = path_.string() + "." + stamp;
  for (int n = 1; std::filesystem::exists(rotated); ++n) {
    rotated = path_.string() + "." + stamp + "-" + std::to_string(n);
  }
  if (::rename(path_.c_str(), rotated.c_str()) != 0) {
    return fail("rename to " + rotated.string() + ": " + std::strerror(errno));
  }
  int fresh = -1;
  try {
    fresh = openLocked();
  } catch (const Error& e) {
    // Keep writing where the chain is: back under the configured name.
    ::rename(rotated.c_str(), path_.c_str());
    return fail(e.message());
  }
  close(fd_);
  fd_ = fresh;
  // The new file begins with the link to the old one: a verifier given this file alone knows it
  // continues another, and removing lines from its head still breaks the chain.
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("event").string(kRotationEvent);
  json.key("continues").string(rotated.filename().string()).endObject();
  std::string line = AuditLine::chain(AuditLine::prepare(std::move(record)), prev_);
  prev_ = sha256Hex(line);
  line.push_back('\n');
  std::size_t written = 0;
  if (!writeAndSync(line, written, true)) return fail("cannot write the rotation record");
  if (rotateFailed_) spdlog::info("audit log {}: rotating again", path_.string());
  rotateFailed_ = false;
  spdlog::info("audit log {}: rotated; the previous records are in {}", path_.string(),
               rotated.string());
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
    const bool sync =
        strict || flushRequested_ || stopping_ || now - lastSync >= kBatchSyncInterval;
    flushRequested_ = false;
    if (queue_.empty()) {
      // Records written since the last sync (batch mode) still need one.
      if (sync && durable_ < writtenUpTo && operations_.fdatasync(fd_) == 0) {
        lastSync = now;
        durable_ = writtenUpTo;
        synced_.notify_all();
      }
      if (stopping_) return;
      continue;
    }
    std::deque<Pending> batch;
    batch.swap(queue_);
    const auto last = appended_;
    lock.unlock();

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
    std::size_t written = 0;
    int failures = 0;
    bool recorded = true;
    while (!writeAndSync(bytes, written, sync)) {
      ++failures;
      {
        std::lock_guard state(mutex_);
        healthy_ = false;
      }
      // Strict mode: the requests of this batch are waiting. Rather than hold them while the
      // disk is failing, take the batch back out of the file (so the chain stays whole) and
      // tell them it was not recorded: they answer 503 and serve no data.
      if (strict && sizeKnown && (written == 0 || ftruncate(fd_, before.st_size) == 0)) {
        prev_ = prevBefore;
        recorded = false;
        spdlog::error("audit log {}: {} records could not be written; their requests are refused",
                      path_.string(), batch.size());
        break;
      }
      if (stoppingNow() && failures >= kShutdownAttempts) {
        spdlog::critical("audit log {}: closing with {} of {} bytes of audit records unwritten",
                         path_.string(), bytes.size() - written, bytes.size());
        recorded = false;
        break;
      }
      std::this_thread::sleep_for(kRetryDelay);
    }
    const bool full = rotateBytes_ > 0 && recorded && written == bytes.size() && sizeKnown &&
                      static_cast<std::uint64_t>(before.st_size) + bytes.size() >= rotateBytes_;
    for (auto& pending : batch) {
      if (!pending.durable) continue;
      try {
        pending.durable(recorded);
      } catch (const std::exception& e) {
        spdlog::error("audit log: a durable callback threw: {}", e.what());
      } catch (...) {
        spdlog::error("audit log: a durable callback threw");
      }
    }

    // After the callbacks: the requests of this batch do not wait for a rename and a new file.
    if (full) rotate();
    lock.lock();
    if (written == bytes.size()) {
      healthy_ = true;
      writtenUpTo = last;
    }
    if (sync) {
      lastSync = now;
      durable_ = last;
      synced_.notify_all();
    }
  }
}

}  // namespace oncegate
