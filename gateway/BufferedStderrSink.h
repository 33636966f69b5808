#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <mutex>
#include <string>

namespace oncegate {

// A log sink that writes to stderr in blocks rather than a line at a time. spdlog's console sinks
// flush every line (one write(2) per request at tens of thousands of requests a second), and its
// async logger wakes a thread per line; this sink costs a memcpy under a short lock instead. The
// composition root flushes it on warnings and every second.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kBufferSize = 64 * 1024;

  BufferedStderrSink() { buffer_.reserve(kBufferSize); }
  ~BufferedStderrSink() override { writeOut(); }
  BufferedStderrSink(const BufferedStderrSink&) = delete;
  BufferedStderrSink& operator=(const BufferedStderrSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kBufferSize) writeOut();
  }
  void flush_() override { writeOut(); }

 private:
  void writeOut() {
    std::size_t written = 0;
    while (written < buffer_.size()) {
      const auto count = ::write(STDERR_FILENO, buffer_.data() + written, buffer_.size() - written);
      if (count <= 0) break;  // stderr closed: logs are lost, requests are not
      written += static_cast<std::size_t>(count);
    }
    buffer_.clear();
  }

  std::string buffer_;
};

}  // namespace oncegate
