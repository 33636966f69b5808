#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "gateway/http/HttpExchange.h"
#include "gateway/http/HttpServerConfig.h"
#include "gateway/http/HttpServerCounts.h"

namespace oncegate {

class EventLoops;

// HTTP/1.1 server on Boost.Beast: accepts on the first loop, spreads connections over all loops,
// reads each request with a header limit, a body limit and a timeout, and hands it to the
// handler. Keep-alive connections that stay idle past idleTimeout are closed. Load is shed before
// work starts (maxConnections, maxInFlight: 503 with Retry-After); accept errors back off; an
// answer after which the server closes is followed by a lingering close, so that a client still
// sending its request reads the answer instead of a reset.
class HttpServer {
 public:
  HttpServer(const HttpServerConfig& config, EventLoops& loops, HttpHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting; throws Error(InvalidConfig) when the address cannot be bound.
  void start();
  // Stops accepting new connections (open ones finish their current request).
  void stopAccepting();
  // Stops accepting, closes idle connections, lets the requests being answered finish (each with
  // Connection: close) and answers 503 to any that arrives meanwhile; returns once none is left
  // or after `grace`, with how many were still unanswered. The loops must still be running.
  std::size_t drain(std::chrono::milliseconds grace);
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Open connections, requests in flight, and what was shed or failed, for /metrics.
  HttpServerCounts counts() const;

 private:
  class Listener;
  std::shared_ptr<Listener> listener_;
};

}  // namespace oncegate
