#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/HttpExchange.h"

namespace oncegate {

// Sends each request to the handler of the longest path prefix that matches it, or to the
// fallback. Built by the composition root before the server starts, then read-only: the data API
// and the admin API never know of each other.
class HttpRouter final : public HttpHandler {
 public:
  // Told of each answer of a route's handler: its status and how long it took.
  using Answered = std::function<void(unsigned status, std::chrono::nanoseconds took)>;

  explicit HttpRouter(HttpHandler& fallback) : fallback_(fallback) {}

  // `prefix` is matched against the path, e.g. "/admin/v1/". Call before the server starts.
  void add(std::string prefix, HttpHandler& handler, Answered answered = {});

  void handle(HttpRequest request, Respond respond) override;
  // The server's own refusals are answered by the fallback.
  HttpResponse refuse(const Error& error) override;

 private:
  struct Route {
    std::string prefix;
    HttpHandler* handler;
    // Shared with the answers on their way: one may be finished after the router is gone (by
    // the audit writer, at shutdown).
    std::shared_ptr<const Answered> answered;
  };
  HttpHandler& fallback_;
  std::vector<Route> routes_;
};

}  // namespace oncegate
