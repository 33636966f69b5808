#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace oncegate::testing {

// A plain blocking HTTP/1.1 client for integration tests: one connection per request, so each
// call sees the gateway exactly as a separate workflow system would.
struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : port_(port) {}

  HttpResult post(const std::string& path, const std::string& body, const std::string& bearer = {},
                  const std::map<std::string, std::string>& headers = {}) const;
  HttpResult get(const std::string& path, const std::string& bearer = {}) const;
  // Any method (PUT, DELETE, ...), with a JSON body when `body` is not empty.
  HttpResult send(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& bearer = {},
                  const std::map<std::string, std::string>& headers = {}) const;
  // Sends `raw` bytes as they are and reads one response (for malformed-request tests).
  HttpResult raw(const std::string& raw) const;

  // One answer as read from the wire (status line, headers, body up to Content-Length); status 0
  // when `bytes` holds no complete head.
  static HttpResult parse(const std::string& bytes);

 private:
  std::uint16_t port_;
};

}  // namespace oncegate::testing
