#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/logging/BufferedStderrSink.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A line the size of a per-request line.
const std::string kPadding(100, '.');

// stderr is a pipe for the test's lifetime (nobody reads it unless the test does), then the
// original stderr again.
class StderrPipe {
 public:
  StderrPipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    readEnd_ = ends[0];
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(ends[1], STDERR_FILENO);
    ::close(ends[1]);
  }
  ~StderrPipe() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(readEnd_);
  }
  StderrPipe(const StderrPipe&) = delete;
  StderrPipe& operator=(const StderrPipe&) = delete;

  // Reads the pipe until `needle` was read or `timeout` passed; returns what was read.
  std::string readUntil(std::string_view needle, std::chrono::milliseconds timeout) {
    std::string text;
    const auto until = Clock::now() + timeout;
    char chunk[65536];
    while (text.find(needle) == std::string::npos && Clock::now() < until) {
      pollfd ready{readEnd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      const auto count = ::read(readEnd_, chunk, sizeof chunk);
      if (count > 0) text.append(chunk, static_cast<std::size_t>(count));
    }
    return text;
  }

 private:
  int readEnd_ = -1;
  int saved_ = -1;
};

TEST(BufferedStderrSinkTest, LogCallsReturnPromptlyWhileNobodyReadsStderr) {
  StderrPipe pipe;
  auto sink = std::make_shared<BufferedStderrSink>();
  spdlog::logger logger("test", sink);
  logger.set_pattern("%v");
  logger.flush_on(spdlog::level::warn);  // as the gateway: warnings flush
  auto calls = std::async(std::launch::async, [&logger] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&logger, t] {
        for (int i = 0; i < 25000; ++i) {
          if (i % 1000 == 0) {
            logger.warn("thread {} line {} {}", t, i, kPadding);
          } else {
            logger.info("thread {} line {} {}", t, i, kPadding);
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
  });
  const auto status = calls.wait_for(10s);
  // Stuck callers are freed by reading the pipe, so that a failure ends rather than hangs.
  if (status != std::future_status::ready) pipe.readUntil("no such line", 30s);
  ASSERT_EQ(status, std::future_status::ready) << "100,000 log calls blocked on a full stderr";
  EXPECT_GT(sink->droppedLines(), 0u);

  // Once stderr is read again, the count of the lines it missed reaches it.
  const auto text = pipe.readUntil(" log lines dropped", 10s);
  EXPECT_NE(text.find(" warning " + std::to_string(sink->droppedLines()) + " log lines dropped"),
            std::string::npos);
}

TEST(BufferedStderrSinkTest, LinesReachStderrInOrderWhenItIsRead) {
  StderrPipe pipe;
  auto sink = std::make_shared<BufferedStderrSink>();
  spdlog::logger logger("test", sink);
  logger.set_pattern("%v");
  for (int i = 0; i < 1000; ++i) logger.info("line {}", i);
  logger.flush();
  const auto text = pipe.readUntil("line 999\n", 10s);
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(text, expected);
  EXPECT_EQ(sink->droppedLines(), 0u);
}

TEST(BufferedStderrSinkTest, DestructionWaitsForAStalledStderrOnlyABoundedTime) {
  StderrPipe pipe;
  Clock::time_point start;
  {
    auto sink = std::make_shared<BufferedStderrSink>();
    spdlog::logger logger("test", sink);
    for (int i = 0; i < 50000; ++i) logger.info("line {} {}", i, kPadding);
    start = Clock::now();
  }
  EXPECT_LT(Clock::now() - start, BufferedStderrSink::kDrainTimeout + 1s);
}

}  // namespace
}  // namespace oncegate
