#include "gateway/logging/BufferedStderrSink.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>

namespace oncegate {

namespace {

// How often a writer waiting for a stalled stderr checks whether it should give up.
constexpr int kPollMillis = 100;

// "2026-12-04T18:15:26.880 warning 12 log lines dropped ...", shaped like the gateway's lines.
std::string droppedNotice(std::uint64_t count) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
  return std::string(stamp) + fraction + " warning " + std::to_string(count) +
         " log lines dropped: stderr was not read fast enough\n";
}

}  // namespace

BufferedStderrSink::BufferedStderrSink() {
  buffer_.reserve(kWriteThreshold * 2);
  writer_ = std::thread([this] { writerLoop(); });
}

BufferedStderrSink::~BufferedStderrSink() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  wake_.notify_one();
  written_.wait_for(lock, kDrainTimeout, [this] { return writerDone_; });
  lock.unlock();
  giveUp_ = true;
  writer_.join();
}

void BufferedStderrSink::sink_it_(const spdlog::details::log_msg& message) {
  spdlog::memory_buf_t formatted;
  formatter_->format(message, formatted);
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (buffer_.size() + formatted.size() > kCapacity) {
      ++droppedUnreported_;
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const bool below = buffer_.size() < kWriteThreshold;
    buffer_.append(formatted.data(), formatted.size());
    acceptedBytes_ += formatted.size();
    wake = below && buffer_.size() >= kWriteThreshold;
  }
  if (wake) wake_.notify_one();
}

void BufferedStderrSink::flush_() {
  std::unique_lock lock(mutex_);
  flushRequested_ = true;
  wake_.notify_one();
  if (stalled_) return;
  const auto target = acceptedBytes_;
  if (!written_.wait_for(lock, kFlushWait, [&] { return writtenBytes_ >= target; })) {
    stalled_ = true;
  }
}

bool BufferedStderrSink::writeOut(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    pollfd ready{STDERR_FILENO, POLLOUT, 0};
    const int events = ::poll(&ready, 1, kPollMillis);
    if (events < 0 && errno != EINTR) return false;
    if (events <= 0) {
      if (giveUp_) return false;
      continue;
    }
    if ((ready.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return false;  // logs are lost
    // Once poll says writable, a pipe has room for PIPE_BUF bytes: this write does not block.
    const std::size_t size = std::min<std::size_t>(bytes.size() - done, PIPE_BUF);
    const ssize_t count = ::write(STDERR_FILENO, bytes.data() + done, size);
    if (count < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    done += static_cast<std::size_t>(count);
  }
  return true;
}

void BufferedStderrSink::writerLoop() {
  std::string writing;
  writing.reserve(kWriteThreshold * 2);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, kWriteInterval, [this] {
      return stopping_ || flushRequested_ || buffer_.size() >= kWriteThreshold;
    });
    flushRequested_ = false;
    if (buffer_.empty()) {
      if (stopping_) break;
      continue;
    }
    writing.swap(buffer_);
    const auto target = acceptedBytes_;
    lock.unlock();
    const bool complete = writeOut(writing);
    writing.clear();
    lock.lock();
    writtenBytes_ = target;
    stalled_ = false;
    if (complete && droppedUnreported_ > 0) {
      // stderr took everything again: say what it missed, ahead of what came since.
      const std::string notice = droppedNotice(droppedUnreported_);
      droppedUnreported_ = 0;
      buffer_.insert(0, notice);
      acceptedBytes_ += notice.size();
      flushRequested_ = true;
    }
    written_.notify_all();
    if (!complete && giveUp_) break;
  }
  writerDone_ = true;
  written_.notify_all();
}

}  // namespace oncegate
