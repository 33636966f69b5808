#pragma once

#include <cstdint>

namespace oncegate {

// What the server has shed and how busy it is, read at scrape time (HttpServer::counts()).
struct HttpServerCounts {
  std::uint64_t connections = 0;         // open client connections (refused ones not included)
  std::uint64_t inFlight = 0;            // requests with the handler, not yet answered
  std::uint64_t connectionsRefused = 0;  // answered 503 at accept: past limits.max_connections
  std::uint64_t requestsShed = 0;        // answered 503 before the handler: past max_in_flight
  std::uint64_t acceptErrors = 0;        // accept() failures (EMFILE, ENFILE, ENOBUFS, ...)
};

}  // namespace oncegate
