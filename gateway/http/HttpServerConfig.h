#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace oncegate {

// What the HTTP server needs from gateway.yaml (listen, threads and limits).
struct HttpServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned threads = 1;
  std::uint64_t maxBody = 1024 * 1024;
  std::uint32_t maxHeader = 16 * 1024;
  std::chrono::milliseconds readTimeout{10'000};  // to receive one whole request once it started
  std::chrono::milliseconds idleTimeout{60'000};  // a keep-alive connection with no request
  // Past maxConnections an accepted connection is answered 503 and closed without being read;
  // past maxInFlight (requests with the handler, all connections together) a request is answered
  // 503 before the handler sees it.
  std::size_t maxConnections = 10'000;
  std::size_t maxInFlight = 2'000;
};

}  // namespace oncegate
