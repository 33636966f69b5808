// The HTTP layer of the real binary: keep-alive, limits and timeouts on every read.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "ExchangeLog.h"
#include "GatewayMetrics.h"
#include "GatewayProcess.h"
#include "HttpClient.h"

namespace oncegate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A raw connection, for what HttpClient deliberately does not do (keep-alive, slow writes).
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Keeps the kernel from taking a whole large body at once (as over a real network, where
  // most of it is still on its way when the server answers).
  void limitSendBuffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  }

  void send(const std::string& bytes) {
    if (bytes.find(" HTTP/1.") != std::string::npos) request_ = bytes;
    EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `marker` arrives or the peer closes; returns what was read.
  std::string readUntil(const std::string& marker) {
    std::string data;
    char buffer[4096];
    while (data.find(marker) == std::string::npos) {
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    // Validated against api/openapi.json like HttpClient's, when a whole answer arrived.
    const auto answer = HttpClient::parse(data);
    const auto length = answer.headers.find("content-length");
    if (length != answer.headers.end() && length->second == std::to_string(answer.body.size())) {
      ExchangeLog::record(request_, answer);
    }
    return data;
  }
  // True when the server closed the connection (recv returns 0) within the socket timeout.
  bool closedByPeer() {
    char byte = 0;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }
  // True when the server closes the connection within `patience` (an end of stream, or a reset
  // when it had closed with bytes of ours unread); false when it is still open then.
  bool closedByPeerWithin(std::chrono::milliseconds patience) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(patience.count())) <= 0) return false;
    char byte = 0;
    const auto n = ::recv(fd_, &byte, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_;
  std::string request_;  // the last request line sent, and what followed it
};

ConfigFiles minimalConfig() {
  return {{"gateway.yaml",
           "threads: 2\n"
           "hash_key: 0123456789abcdef0123456789abcdef\n"
           "audit: { path: audit.jsonl, durability: batch }\n"
           "limits: { max_body: 1KiB, read_timeout: 400ms, idle_timeout: 700ms }\n"}};
}

TEST(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  GatewayProcess gateway(minimalConfig());
  RawConnection connection(gateway.port());
  for (int i = 0; i < 3; ++i) {
    connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto answer = connection.readUntil("}");
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
    EXPECT_THAT(answer, HasSubstr("\"status\":\"ok\""));
  }
}

TEST(HttpServerTest, KeepsHttp10ConnectionsOpenOnlyWhenAsked) {
  GatewayProcess gateway(minimalConfig());
  RawConnection kept(gateway.port());
  kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_THAT(kept.readUntil("}"), HasSubstr("Connection: keep-alive"));
  kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_THAT(kept.readUntil("}"), StartsWith("HTTP/1.1 200"));

  RawConnection closed(gateway.port());
  closed.send("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_THAT(closed.readUntil("}"), HasSubstr("Connection: close"));
  EXPECT_TRUE(closed.closedByPeer());
}

TEST(HttpServerTest, AnswersExpect100ContinueBeforeTheBodyIsSent) {
  GatewayProcess gateway(minimalConfig());
  RawConnection connection(gateway.port());
  connection.send(
      "POST /v1/resolve HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_THAT(connection.readUntil("\r\n\r\n"), StartsWith("HTTP/1.1 100 Continue"));
  connection.send("{}");
  // The body arrived and was parsed: no API key, so 401.
  EXPECT_THAT(connection.readUntil("}"), StartsWith("HTTP/1.1 401"));
}

TEST(HttpServerTest, ClosesAConnectionThatSendsItsRequestTooSlowly) {
  GatewayProcess gateway(minimalConfig());
  RawConnection connection(gateway.port());
  const auto started = std::chrono::steady_clock::now();
  connection.send("GET /healthz HTTP/1.1\r\nHo");  // and never the rest
  EXPECT_TRUE(connection.closedByPeer());
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(4));
}

// read_timeout bounds the whole request from its first byte, not each read: a client sending a
// byte at a time, each well within the timeout, is cut off all the same (slowloris).
TEST(HttpServerTest, ClosesAConnectionThatTricklesItsRequest) {
  GatewayProcess gateway(minimalConfig());  // read_timeout: 400ms
  RawConnection connection(gateway.port());
  const auto started = std::chrono::steady_clock::now();
  connection.send("GET /healthz HTTP/1.1\r\nX-Slow: ");
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - started < std::chrono::seconds(4)) {
    closed = connection.closedByPeerWithin(std::chrono::milliseconds(100));
    if (!closed) connection.send("a");
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(HttpServerTest, ClosesAnIdleKeepAliveConnection) {
  GatewayProcess gateway(minimalConfig());
  RawConnection connection(gateway.port());
  connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(connection.readUntil("}"), StartsWith("HTTP/1.1 200"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closedByPeer());
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
}

TEST(HttpServerTest, RefusesOversizedBodiesAndHeadersAndMalformedRequests) {
  GatewayProcess gateway(minimalConfig());
  HttpClient client(gateway.port());
  // Declared too large: refused from the headers, before the body is read.
  auto declared =
      client.raw("POST /v1/resolve HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n");
  EXPECT_EQ(declared.status, 413);
  EXPECT_THAT(declared.body, HasSubstr("\"error\":\"payload_too_large\""));
  // Chunked, no length up front: refused when the body passes the limit.
  std::string chunked =
      "POST /v1/resolve HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "200\r\n" + std::string(512, 'a') + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(client.raw(chunked).status, 413);
  auto headers = client.raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n");
  EXPECT_EQ(headers.status, 431);
  // Its own code, from the one table: it used to go out as bad_request.
  EXPECT_THAT(headers.body, HasSubstr("\"error\":\"headers_too_large\""));
  auto malformed = client.raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("\"error\":\"bad_request\""));
  // The server is still fine afterwards.
  EXPECT_EQ(client.get("/healthz").status, 200);
}

// Python's urllib and many HTTP libraries send the whole body, blocking, before reading anything:
// they must get the 413, not a connection reset while they are still sending.
TEST(HttpServerTest, AClientSendingItsWholeOversizedBodyBeforeReadingReceivesThe413) {
  GatewayProcess gateway(minimalConfig());
  RawConnection connection(gateway.port());
  connection.limitSendBuffer(64 * 1024);
  const std::string body(2 * 1024 * 1024, 'x');
  connection.send(
      "POST /v1/resolve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  const auto answer = connection.readUntil("}");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 413")) << "got '" << answer << "'";
  EXPECT_THAT(answer, HasSubstr("\"error\":\"payload_too_large\""));
  EXPECT_THAT(answer, HasSubstr("Connection: close"));
  EXPECT_TRUE(connection.closedByPeer());
}

TEST(HttpServerTest, AConnectionPastMaxConnectionsIsAnswered503WithRetryAfter) {
  const ConfigFiles files = {{"gateway.yaml",
                              "threads: 2\n"
                              "hash_key: 0123456789abcdef0123456789abcdef\n"
                              "audit: { path: audit.jsonl, durability: batch }\n"
                              "limits: { max_connections: 2 }\n"}};
  GatewayProcess gateway(files);
  {
    RawConnection first(gateway.port());
    RawConnection second(gateway.port());
    for (auto* connection : {&first, &second}) {
      connection->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      EXPECT_THAT(connection->readUntil("}"), StartsWith("HTTP/1.1 200"));
    }
    RawConnection third(gateway.port());
    third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto refused = third.readUntil("}");
    EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
    EXPECT_THAT(refused, HasSubstr("Retry-After: 1\r\n"));
    EXPECT_THAT(refused, HasSubstr("\"error\":\"overloaded\""));
    EXPECT_TRUE(third.closedByPeer());
  }
  // Once the connections are closed, the gateway serves again; the refusal was counted. The
  // server may not have seen the first two close yet when the client connects: a refusal
  // meanwhile is counted as well.
  HttpClient client(gateway.port());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  long refusedWhileClosing = 0;
  long refusedCount = -1;
  while (refusedCount < 0 && std::chrono::steady_clock::now() < deadline) {
    if (client.get("/healthz").status == 503) {
      ++refusedWhileClosing;
      continue;
    }
    refusedCount = metricValue(client, "oncegate_connections_refused_total");
  }
  EXPECT_EQ(refusedCount, 1 + refusedWhileClosing);
}

TEST(HttpServerTest, EchoesAValidTraceparentAndAlwaysSetsARequestId) {
  GatewayProcess gateway(minimalConfig());
  HttpClient client(gateway.port());
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto answer = client.raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\ntraceparent: " + traceparent +
      "\r\n\r\n");
  EXPECT_EQ(answer.headers["traceparent"], traceparent);
  EXPECT_EQ(answer.headers["x-request-id"].size(), 16U);
  auto invalid = client.raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\ntraceparent: junk\r\n\r\n");
  EXPECT_EQ(invalid.headers.count("traceparent"), 0U);
}

}  // namespace
}  // namespace oncegate::testing
