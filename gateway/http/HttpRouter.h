#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/http/HttpExchange.h"

namespace oncegate {

// Sends each request to the handler of the longest path prefix that matches it, or to the
// fallback. Built by the composition root before the server starts, then read-only: the data API
// and the admin API never know of each other.
class HttpRouter final : public HttpHandler {
 public:
  explicit HttpRouter(HttpHandler& fallback) : fallback_(fallback) {}

  // `prefix` is matched against the path, e.g. "/admin/v1/". Call before the server starts.
  void add(std::string prefix, HttpHandler& handler);

  void handle(HttpRequest request, Respond respond) override;
  // The server's own refusals are answered by the fallback.
  HttpResponse refuse(const Error& error) override;

 private:
  HttpHandler& fallback_;
  std::vector<std::pair<std::string, HttpHandler*>> routes_;
};

}  // namespace oncegate
