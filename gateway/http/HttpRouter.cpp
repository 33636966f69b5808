#include "gateway/http/HttpRouter.h"

#include <algorithm>
#include <string_view>

namespace oncegate {

void HttpRouter::add(std::string prefix, HttpHandler& handler, Answered answered) {
  routes_.push_back(
      Route{std::move(prefix), &handler,
            answered ? std::make_shared<const Answered>(std::move(answered)) : nullptr});
  // Longest first, so that the first match is the most specific.
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const auto& a, const auto& b) { return a.prefix.size() > b.prefix.size(); });
}

void HttpRouter::handle(HttpRequest request, Respond respond) {
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  for (const auto& route : routes_) {
    if (!path.starts_with(route.prefix)) continue;
    if (!route.answered) return route.handler->handle(std::move(request), std::move(respond));
    return route.handler->handle(
        std::move(request), [answered = route.answered, started = std::chrono::steady_clock::now(),
                             respond = std::move(respond)](HttpResponse response) {
          (*answered)(response.status, std::chrono::steady_clock::now() - started);
          respond(std::move(response));
        });
  }
  fallback_.handle(std::move(request), std::move(respond));
}

HttpResponse HttpRouter::refuse(const Error& error) { return fallback_.refuse(error); }

}  // namespace oncegate
