#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oncegate {

class Error;

// One HTTP request as the API layer sees it: Beast stays inside HttpServer.cpp.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string traceparent;
  std::string changeComment;  // X-Change-Comment, for admin changes
  std::string ifNoneMatch;    // If-None-Match, for the console's files (304 Not Modified)
  std::string remoteAddress;
  // SHA-256 (64 lower-case hex) of the client certificate verified at the TLS handshake; empty
  // without TLS, without a client CA or when the client sent none.
  std::string clientCertificateSha256;
  // The body, with spare capacity reserved after it for simdjson's padding.
  std::string body;
};

// One HTTP response; the server adds Content-Length, Connection and X-Request-Id.
struct HttpResponse {
  unsigned status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::string requestId;
  std::string traceparent;  // echoed when the request carried one
  // Further header lines, name and value (Retry-After on a 429); names are not checked.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The application side of the server: answers a request through `respond`, exactly once, from
// any thread (the server moves the response back onto the connection's own thread).
class HttpHandler {
 public:
  using Respond = std::function<void(HttpResponse)>;
  virtual ~HttpHandler() = default;
  virtual void handle(HttpRequest request, Respond respond) = 0;
  // The response for a request the server itself refuses (body too large, malformed HTTP).
  virtual HttpResponse refuse(const Error& error) = 0;
};

}  // namespace oncegate
