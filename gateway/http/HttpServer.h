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
class TlsServerContext;

// HTTP/1.1 server on Boost.Beast: accepts on the first loop, spreads connections over all loops,
// reads each request with a header limit, a body limit and a timeout, and hands it to the
// handler. Keep-alive connections that stay idle past idleTimeout are closed. Load is shed before
// work starts (maxConnections, maxInFlight: 503 with Retry-After); accept errors back off; an
// answer after which the server closes is followed by a lingering close, so that a client still
// sending its request reads the answer instead of a reset.
// With a TLS context it serves HTTPS only: each connection's handshake must complete within
// readTimeout.
class HttpServer {
 public:
  HttpServer(const HttpServerConfig& config, EventLoops& loops, HttpHandler& handler,
             std::shared_ptr<const TlsServerContext> tls = nullptr);
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
  // New connections use `tls` (a reloaded certificate); open ones keep the context they began
  // with. A server started without TLS stays plain: pass null only to such a server.
  void replaceTls(std::shared_ptr<const TlsServerContext> tls);
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Open connections, requests in flight, and what was shed or failed, for /metrics.
  HttpServerCounts counts() const;

 private:
  class Listener;
  std::shared_ptr<Listener> listener_;
};

}  // namespace oncegate
