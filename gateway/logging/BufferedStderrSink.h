#pragma once

#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace oncegate {

// A log sink whose callers never wait for stderr. A line costs a format and a memcpy into a
// bounded buffer under a short lock; a writer thread of its own moves the buffer to stderr.
// spdlog's console sinks write(2) every line under their mutex, so a stalled log collector (a
// full stderr pipe) stopped every request thread, and the audit writer, with them. When the
// buffer is full, lines are dropped and counted, and once stderr takes writes again a line says
// how many were lost.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Bytes that may wait for stderr: seconds of per-request lines at full load.
  static constexpr std::size_t kCapacity = 4 * 1024 * 1024;
  // The writer wakes once this much waits (or on flush, or every kWriteInterval).
  static constexpr std::size_t kWriteThreshold = 64 * 1024;
  static constexpr std::chrono::seconds kWriteInterval{1};
  // How long flush() waits for the writer; not at all while stderr is stalled.
  static constexpr std::chrono::milliseconds kFlushWait{50};
  // At destruction (spdlog::shutdown), how long what is buffered may take to reach stderr.
  static constexpr std::chrono::seconds kDrainTimeout{2};

  BufferedStderrSink();
  ~BufferedStderrSink() override;
  BufferedStderrSink(const BufferedStderrSink&) = delete;
  BufferedStderrSink& operator=(const BufferedStderrSink&) = delete;

  // Lines dropped since start because stderr did not keep up: for /metrics.
  std::uint64_t droppedLines() const { return dropped_.load(std::memory_order_relaxed); }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override;

 private:
  void writerLoop();
  // Writes `bytes` to stderr without ever blocking in write(2) (poll first, at most PIPE_BUF at
  // a time); false when stderr is closed or giveUp_ is set while it is stalled.
  bool writeOut(const std::string& bytes);

  mutable std::mutex mutex_;  // the buffer's; never held during a write(2)
  std::condition_variable wake_;
  std::condition_variable written_;
  std::string buffer_;
  std::uint64_t acceptedBytes_ = 0;  // appended to buffer_ since start
  std::uint64_t writtenBytes_ = 0;   // taken from buffer_ and written (or given up)
  std::uint64_t droppedUnreported_ = 0;
  bool flushRequested_ = false;
  bool stalled_ = false;  // a flush waited kFlushWait in vain; cleared by the next write
  bool stopping_ = false;
  bool writerDone_ = false;
  std::atomic<bool> giveUp_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace oncegate
