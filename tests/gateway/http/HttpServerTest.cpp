// HttpServer on real loopback sockets with a fake handler: a request that is half read when the
// drain begins is read to its end and answered 503, never dropped, and the drain waits for that
// answer to be written; load is shed past max_connections and max_in_flight; accept errors back
// off; an answer the server closes on reaches a client that sends its whole body before reading.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/Error.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpServer.h"

namespace oncegate {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kPatience{5};  // the bound on every wait below

// Answers 200 at once, or, while held, keeps the answers until released.
class FakeHandler : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override {
    HttpResponse response;
    response.body = R"({"echo":")" + request.body.substr(0, 64) + R"("})";
    handled_.fetch_add(1);
    std::unique_lock lock(mutex_);
    if (!holding_) {
      lock.unlock();
      respond(std::move(response));
      return;
    }
    held_.emplace(std::move(respond));
    heldResponse_ = std::move(response);
    changed_.notify_all();
  }

  HttpResponse refuse(const Error& error) override { return errorResponse(error, "refused"); }

  int handled() const { return handled_.load(); }

  void hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  bool waitForHeld() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [this] { return held_.has_value(); });
  }
  void release() {
    std::unique_lock lock(mutex_);
    auto respond = std::move(*held_);
    held_.reset();
    holding_ = false;
    auto response = std::move(heldResponse_);
    lock.unlock();
    respond(std::move(response));
  }

 private:
  std::atomic<int> handled_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool holding_ = false;
  std::optional<Respond> held_;
  HttpResponse heldResponse_;
};

// One keep-alive client connection on plain sockets (the test needs to stop half-way through a
// request, which no HTTP client library offers).
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Keeps the kernel from taking a whole large body at once (as over a real network, where
  // most of it is still on its way when the server answers).
  void limitSendBuffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto count = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (count <= 0) return false;
      sent += static_cast<std::size_t>(count);
    }
    return true;
  }

  // The next whole answer (head and Content-Length bytes of body), or what came before the
  // connection closed or kPatience ran out.
  std::string readAnswer() {
    const auto deadline = Clock::now() + kPatience;
    while (!wholeAnswerIn()) {
      if (!readSome(deadline)) break;
    }
    const auto length = wholeAnswerIn();
    auto answer = pending_.substr(0, length);
    pending_.erase(0, length);
    return answer;
  }

  // True once the server has closed the connection (end of stream or reset) within kPatience.
  bool waitForClose() {
    const auto deadline = Clock::now() + kPatience;
    while (Clock::now() < deadline) {
      if (!readSome(deadline)) return closed_;
    }
    return false;
  }

 private:
  // The length of the first whole answer in pending_, 0 while it is incomplete.
  std::size_t wholeAnswerIn() const {
    const auto headEnd = pending_.find("\r\n\r\n");
    if (headEnd == std::string::npos) return 0;
    const auto field = pending_.find("Content-Length: ");
    if (field == std::string::npos || field > headEnd) return 0;
    const auto length = std::stoul(pending_.substr(field + 16));
    const auto total = headEnd + 4 + length;
    return pending_.size() >= total ? total : 0;
  }

  bool readSome(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[4096];
    const auto count = ::recv(fd_, chunk, sizeof chunk, 0);
    if (count <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(count));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string pending_;
};

std::string post(const std::string& body, std::size_t sendOnly = std::string::npos) {
  const auto whole =
      "POST /v1/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  return whole.substr(
      0, sendOnly == std::string::npos ? whole.size() : whole.size() - body.size() + sendOnly);
}

int statusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

class HttpServerTest : public ::testing::Test {
 protected:
  explicit HttpServerTest(HttpServerConfig config = {}) : config_(std::move(config)) {
    config_.port = 0;
  }
  void SetUp() override {
    server_.emplace(config_, loops_, handler_);
    server_->start();
    loops_.start();
  }
  void TearDown() override {
    loops_.stop();
    server_.reset();
  }

  HttpServerConfig config_;
  FakeHandler handler_;
  EventLoops loops_{1};
  std::optional<HttpServer> server_;
};

// HEAD (the console's files, any client's check) states the length GET would send and sends no
// body: a body after it would be read as the start of the next answer on the connection.
TEST_F(HttpServerTest, AHeadAnswerStatesTheLengthAndSendsNoBody) {
  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("HEAD /v1/echo HTTP/1.1\r\nHost: test\r\n\r\n"
                  "GET /v1/echo HTTP/1.1\r\nHost: test\r\n\r\n"));
  // readAnswer() takes Content-Length bytes after the head: for the HEAD answer those must be
  // the beginning of the GET's answer, not a body.
  const auto head = client.readAnswer();
  ASSERT_EQ(statusOf(head), 200) << head;
  EXPECT_NE(head.find("Content-Length: 11\r\n"), std::string::npos) << head;  // {"echo":""}
  const auto afterHead = head.substr(head.find("\r\n\r\n") + 4);
  EXPECT_EQ(afterHead.rfind("HTTP/1.1 ", 0), 0u)
      << "HEAD answer sent a body: '" << afterHead << "'";
}

TEST_F(HttpServerTest, ARequestHalfReadWhenTheDrainBeginsIsAnswered503NotDropped) {
  // Two keep-alive connections with one answered request each, so that both are sessions the
  // drain lists: `idle` waits for a next request, `busy` has sent half of one.
  RawConnection idle(server_->port());
  RawConnection busy(server_->port());
  ASSERT_TRUE(idle.connected() && busy.connected());
  ASSERT_TRUE(idle.send(post("first")));
  ASSERT_EQ(statusOf(idle.readAnswer()), 200);
  ASSERT_TRUE(busy.send(post("first")));
  ASSERT_EQ(statusOf(busy.readAnswer()), 200);
  const std::string body = "0123456789";
  ASSERT_TRUE(busy.send(post(body, 4)));

  auto drained =
      std::async(std::launch::async, [this] { return server_->drain(std::chrono::seconds(5)); });
  // The idle connection closing shows that the drain has reached the sessions (one loop runs
  // both, in the order the drain posted them).
  ASSERT_TRUE(idle.waitForClose());
  ASSERT_TRUE(busy.send(body.substr(4)));

  const auto answer = busy.readAnswer();
  EXPECT_EQ(statusOf(answer), 503) << "the half-read request was dropped: '" << answer << "'";
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  ASSERT_EQ(drained.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(drained.get(), 0U);
}

TEST_F(HttpServerTest, ARequestBeingAnsweredWhenTheDrainBeginsFinishesAndTheDrainWaitsForIt) {
  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  handler_.hold();
  ASSERT_TRUE(client.send(post("slow")));
  ASSERT_TRUE(handler_.waitForHeld());

  auto drained =
      std::async(std::launch::async, [this] { return server_->drain(std::chrono::seconds(5)); });
  EXPECT_EQ(drained.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "the drain returned while a request was with the handler";
  handler_.release();

  const auto answer = client.readAnswer();
  EXPECT_EQ(statusOf(answer), 200) << answer;
  EXPECT_NE(answer.find(R"({"echo":"slow"})"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  ASSERT_EQ(drained.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(drained.get(), 0U);
}

HttpServerConfig withLimits(std::size_t maxConnections, std::size_t maxInFlight) {
  HttpServerConfig config;
  config.maxConnections = maxConnections;
  config.maxInFlight = maxInFlight;
  return config;
}

class HttpServerWithOneConnectionTest : public HttpServerTest {
 protected:
  HttpServerWithOneConnectionTest() : HttpServerTest(withLimits(1, 100)) {}
};

class HttpServerWithOneRequestInFlightTest : public HttpServerTest {
 protected:
  HttpServerWithOneRequestInFlightTest() : HttpServerTest(withLimits(100, 1)) {}
};

TEST_F(HttpServerWithOneConnectionTest, AConnectionPastTheLimitIsAnswered503AndClosedUnread) {
  RawConnection first(server_->port());
  ASSERT_TRUE(first.connected());
  ASSERT_TRUE(first.send(post("first")));
  ASSERT_EQ(statusOf(first.readAnswer()), 200);

  RawConnection second(server_->port());
  ASSERT_TRUE(second.connected());
  const auto answer = second.readAnswer();
  EXPECT_EQ(statusOf(answer), 503) << answer;
  EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("error":"overloaded")"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  // Refused without a request being read: its request is read and discarded, not handled.
  ASSERT_TRUE(second.send(post("second")));
  EXPECT_TRUE(second.waitForClose());
  EXPECT_EQ(handler_.handled(), 1);
  EXPECT_EQ(server_->counts().connectionsRefused, 1U);
  EXPECT_EQ(server_->counts().connections, 1U);

  // The first connection is served as before.
  ASSERT_TRUE(first.send(post("again")));
  EXPECT_EQ(statusOf(first.readAnswer()), 200);
}

TEST_F(HttpServerWithOneRequestInFlightTest, ARequestPastTheLimitIsAnswered503BeforeTheHandler) {
  RawConnection busy(server_->port());
  RawConnection shed(server_->port());
  ASSERT_TRUE(busy.connected() && shed.connected());
  handler_.hold();
  ASSERT_TRUE(busy.send(post("slow")));
  ASSERT_TRUE(handler_.waitForHeld());
  EXPECT_EQ(server_->counts().inFlight, 1U);

  ASSERT_TRUE(shed.send(post("shed")));
  const auto answer = shed.readAnswer();
  EXPECT_EQ(statusOf(answer), 503) << answer;
  EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos) << answer;
  EXPECT_EQ(handler_.handled(), 1) << "the handler saw a request past max_in_flight";
  EXPECT_EQ(server_->counts().requestsShed, 1U);

  handler_.release();
  EXPECT_EQ(statusOf(busy.readAnswer()), 200);
  // The shed request's connection stays usable for its retry.
  ASSERT_TRUE(shed.send(post("retry")));
  EXPECT_EQ(statusOf(shed.readAnswer()), 200);
  EXPECT_EQ(server_->counts().inFlight, 0U);
}

// Python's urllib and many HTTP libraries send the whole body, blocking, before reading anything.
TEST_F(HttpServerTest, AClientSendingItsWholeOversizedBodyBeforeReadingReceivesThe413) {
  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  client.limitSendBuffer(64 * 1024);
  const std::string body(2 * 1024 * 1024, 'x');  // twice limits.max_body's default
  const bool sentAll = client.send(post(body));
  const auto answer = client.readAnswer();
  EXPECT_TRUE(sentAll) << "the server reset the connection while the body was being sent";
  EXPECT_EQ(statusOf(answer), 413) << "got '" << answer << "' instead of the 413";
  EXPECT_NE(answer.find(R"("error":"payload_too_large")"), std::string::npos) << answer;
  EXPECT_EQ(handler_.handled(), 0);
}

// Takes every free descriptor of the process (down to a lowered limit) until released, so that
// accept() fails with EMFILE.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &original_);
    rlimit lowered = original_;
    lowered.rlim_cur = std::min<rlim_t>(original_.rlim_cur, 256);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    for (int fd = ::open("/dev/null", O_RDONLY); fd >= 0; fd = ::open("/dev/null", O_RDONLY)) {
      held_.push_back(fd);
    }
  }
  ~DescriptorExhaustion() { release(); }
  DescriptorExhaustion(const DescriptorExhaustion&) = delete;
  DescriptorExhaustion& operator=(const DescriptorExhaustion&) = delete;

  // Frees one descriptor, for the test's own client socket.
  void spareOne() {
    ::close(held_.back());
    held_.pop_back();
  }
  void release() {
    for (const int fd : held_) ::close(fd);
    held_.clear();
    ::setrlimit(RLIMIT_NOFILE, &original_);
  }
  bool exhausted() const { return !held_.empty() && errno == EMFILE; }

 private:
  rlimit original_{};
  std::vector<int> held_;
};

// One log call before main, before any server thread: it creates spdlog's default logger on this
// thread (so no thread reads it before it exists, as ThreadSanitizer would see it) and lets UBSan
// cache the logger's vptr check while descriptors are still free.
[[maybe_unused]] const bool kLoggerCheckedEarly = [] {
  spdlog::debug("HttpServerTest: the logger exists before any server thread");
  return true;
}();

TEST_F(HttpServerTest, AcceptErrorsBackOffInsteadOfSpinningAndAcceptingResumesAfterwards) {
  // The listener logs its first accept error. Under UBSan the first check of a virtual call on a
  // type reads the vtable through a pipe (to learn whether the memory is readable), which fails
  // without descriptors and reads as "invalid vptr": the logger's check is cached before main
  // (kLoggerCheckedEarly), and while descriptors are out nothing is formatted (fmt's buffers are
  // checked the same way). The log line itself is not what this test is about.
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::off);
  struct RestoreLevel {
    spdlog::level::level_enum level;
    ~RestoreLevel() { spdlog::set_level(level); }
  } restoreLevel{level};
  DescriptorExhaustion exhaustion;
  ASSERT_TRUE(exhaustion.exhausted());
  exhaustion.spareOne();
  const auto connected = Clock::now();
  RawConnection client(server_->port());  // takes the spare descriptor: the server has none
  ASSERT_TRUE(client.connected());

  // Backing off 10 ms, then twice as long each time, the sixth failure comes 310 ms after the
  // first at the earliest; re-arming at once, it would come within microseconds.
  constexpr std::uint64_t kFailures = 6;
  constexpr std::chrono::milliseconds kEarliest{10 + 20 + 40 + 80 + 160};
  const auto deadline = Clock::now() + kPatience;
  while (server_->counts().acceptErrors < kFailures && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling, not an assertion
  }
  const auto elapsed = Clock::now() - connected;
  ASSERT_GE(server_->counts().acceptErrors, kFailures);
  EXPECT_GE(elapsed, kEarliest) << "the acceptor retried without backing off";

  exhaustion.release();
  ASSERT_TRUE(client.send(post("after")));
  EXPECT_EQ(statusOf(client.readAnswer()), 200) << "accepting did not resume";
}

}  // namespace
}  // namespace oncegate
