// The HTTP request path on any bytes a client may send: the real HttpServer on loopback (Beast's
// parser with our limits), the real HttpRouter and, behind the routes, QueryParameters as the
// admin API uses it. Each input is sent on a new connection, whose write side is then shut, and
// the answers are read until the server closes. Every answer must be well-formed HTTP/1.1 with a
// status the server may give (never a 5xx: the handlers here do not fail), each request must
// reach the route its path names, and the server must close within 20 s (its own timeouts are 2 s;
// the margin is for a loaded CI machine).
//
// A socket per input rather than Beast's parser alone: it runs the code a client reaches (the
// server's limits, refusals, keep-alive, 100-continue) and is fast enough (docs/building.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "common/Error.h"
#include "fuzz/FuzzProperty.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/EventLoops.h"
#include "gateway/http/HttpExchange.h"
#include "gateway/http/HttpRouter.h"
#include "gateway/http/HttpServer.h"
#include "gateway/http/QueryParameters.h"

namespace oncegate {
namespace {

constexpr std::string_view kDataPrefix = "/v1/";
constexpr std::string_view kAdminPrefix = "/admin/v1/";

std::string_view pathOf(const std::string& target) {
  return std::string_view(target).substr(0, target.find('?'));
}

// Anything no route takes: 404, as the gateway answers it.
class UnknownRoute final : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override {
    const auto path = pathOf(request.target);
    fuzzRequire(!path.starts_with(kDataPrefix) && !path.starts_with(kAdminPrefix),
                "a routed path never reaches the fallback");
    respond(errorResponse(Error(ErrorCode::NotFound, "no such route"), "fuzz"));
  }
  HttpResponse refuse(const Error& error) override { return errorResponse(error, "fuzz"); }
};

// /v1/: answers with what it was given, as a data route reads it.
class DataRoute final : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override {
    fuzzRequire(pathOf(request.target).starts_with(kDataPrefix), "/v1/ gets only its own paths");
    fuzzRequire(!request.method.empty(), "a request has a method");
    fuzzRequire(request.body.size() <= kMaxBody, "a body is never larger than the limit");
    HttpResponse response;
    response.body = "{\"bytes\":" + std::to_string(request.body.size()) + "}";
    respond(std::move(response));
  }
  HttpResponse refuse(const Error& error) override { return errorResponse(error, "fuzz"); }
  static constexpr std::size_t kMaxBody = 4096;
};

// /admin/v1/: decodes the path and the query parameters, as the admin API does.
class AdminRoute final : public HttpHandler {
 public:
  void handle(HttpRequest request, Respond respond) override {
    const auto path = pathOf(request.target);
    fuzzRequire(path.starts_with(kAdminPrefix), "/admin/v1/ gets only its own paths");
    try {
      const auto decoded = QueryParameters::decode(path, false);
      fuzzRequire(decoded.size() <= path.size(), "decoding never lengthens a path");
      const auto parameters = QueryParameters::parse(request.target);
      const auto limit = parameters.integer("limit", 10, 1, 1000);
      fuzzRequire(limit >= 1 && limit <= 1000, "an integer parameter is within its bounds");
      if (const auto subject = parameters.find("subject")) {
        fuzzRequire(subject->size() <= request.target.size(), "a decoded value is no longer");
      }
      HttpResponse response;
      response.body = "{}";
      respond(std::move(response));
    } catch (const Error& error) {
      fuzzRequire(error.code() == ErrorCode::BadRequest, "a bad query is a BadRequest");
      respond(errorResponse(error, "fuzz"));
    }
  }
  HttpResponse refuse(const Error& error) override { return errorResponse(error, "fuzz"); }
};

struct Gateway {
  UnknownRoute unknown;
  DataRoute data;
  AdminRoute admin;
  HttpRouter router{unknown};
  EventLoops loops{1};
  HttpServer* server = nullptr;
};

// Built once and never destroyed; its loop thread is stopped at exit, before static objects that
// Asio may use go.
Gateway& gateway() {
  static Gateway* const instance = [] {
    auto* built = new Gateway;
    built->router.add(std::string(kDataPrefix), built->data);
    built->router.add(std::string(kAdminPrefix), built->admin);
    HttpServerConfig config;
    config.port = 0;
    config.maxBody = DataRoute::kMaxBody;
    config.maxHeader = 2048;
    config.readTimeout = std::chrono::seconds(2);
    config.idleTimeout = std::chrono::seconds(2);
    built->server = new HttpServer(config, built->loops, built->router);
    built->server->start();
    built->loops.start();
    std::atexit([] { gateway().loops.stop(); });
    return built;
  }();
  return *instance;
}

// Reads one answer at `at`; returns the offset after it, or npos when it is not well-formed.
std::size_t nextAnswer(std::string_view answers, std::size_t at) {
  const auto rest = answers.substr(at);
  if (!rest.starts_with("HTTP/1.1 ") || rest.size() < 12) return std::string_view::npos;
  const auto status = rest.substr(9, 3);
  static constexpr std::string_view kStatuses[] = {"200", "400", "404", "405", "413", "431"};
  bool known = false;
  for (const auto candidate : kStatuses) known = known || status == candidate;
  // 100 Continue comes before the answer to a request that asked for it.
  if (status == "100") {
    const auto end = rest.find("\r\n\r\n");
    return end == std::string_view::npos ? end : at + end + 4;
  }
  if (!known) return std::string_view::npos;
  const auto headersEnd = rest.find("\r\n\r\n");
  if (headersEnd == std::string_view::npos) return std::string_view::npos;
  const auto headers = rest.substr(0, headersEnd);
  static constexpr std::string_view kLength = "\r\nContent-Length: ";
  const auto lengthAt = headers.find(kLength);
  if (lengthAt == std::string_view::npos) return std::string_view::npos;
  const auto length = std::stoul(std::string(headers.substr(lengthAt + kLength.size(), 8)));
  if (headersEnd + 4 + length > rest.size()) return std::string_view::npos;
  return at + headersEnd + 4 + length;
}

// libFuzzer's watchdog (SIGALRM) interrupts blocking calls now and then: an interrupted connect
// goes on by itself, and is waited for.
bool connectTo(int fd, const sockaddr_in& address) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
  if (errno != EINTR) return false;
  pollfd ready{fd, POLLOUT, 0};
  int polled = 0;
  do {
    polled = ::poll(&ready, 1, 20'000);
  } while (polled < 0 && errno == EINTR);
  int error = 0;
  socklen_t length = sizeof error;
  return polled == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

void exchange(std::string_view bytes) {
  const auto port = gateway().server->port();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  fuzzRequire(fd >= 0, "a socket can be made");
  timeval timeout{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fuzzRequire(connectTo(fd, address), "the server accepts a connection");
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server refused and closed: what it answered is read below
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answers;
  char buffer[16384];
  bool reset = false;
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      answers.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    reset = n < 0 && errno == ECONNRESET;
    if (n < 0 && !reset) {
      std::fprintf(stderr, "HttpRequestFuzz: recv failed (%s) after %zu bytes of answers: %.*s\n",
                   std::strerror(errno), answers.size(), static_cast<int>(answers.size()),
                   answers.data());
    }
    fuzzRequire(n == 0 || reset, "the server closes the connection within 20 s");
    break;
  }
  ::close(fd);
  // A reset (the server closed with bytes of ours unread) may cut the last answer short.
  for (std::size_t at = 0; at < answers.size();) {
    at = nextAnswer(answers, at);
    if (reset && at == std::string_view::npos) break;
    fuzzRequire(at != std::string_view::npos, "every answer is well-formed with a known status");
  }
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  oncegate::gateway();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  oncegate::exchange(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
