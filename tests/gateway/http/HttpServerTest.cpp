// HttpServer's drain on real loopback sockets with a fake handler: a request that is half read when
// the drain begins is read to its end and answered 503, never dropped, and the drain waits for
// that answer to be written.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>

#include "common/Error.h"
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
    response.body = R"({"echo":")" + request.body + R"("})";
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

  HttpResponse refuse(const Error& error) override {
    HttpResponse response;
    response.status = error.code() == ErrorCode::Overloaded ? 503 : 400;
    response.body = R"({"error":"refused"})";
    return response;
  }

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
  void SetUp() override {
    HttpServerConfig config;
    config.port = 0;
    server_.emplace(config, loops_, handler_);
    server_->start();
    loops_.start();
  }
  void TearDown() override {
    loops_.stop();
    server_.reset();
  }

  FakeHandler handler_;
  EventLoops loops_{1};
  std::optional<HttpServer> server_;
};

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

}  // namespace
}  // namespace oncegate
