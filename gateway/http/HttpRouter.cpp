#include "gateway/http/HttpRouter.h"

#include <algorithm>
#include <string_view>

namespace oncegate {

void HttpRouter::add(std::string prefix, HttpHandler& handler) {
  routes_.emplace_back(std::move(prefix), &handler);
  // Longest first, so that the first match is the most specific.
  std::stable_sort(routes_.begin(), routes_.end(), [](const auto& a, const auto& b) {
    return a.first.size() > b.first.size();
  });
}

void HttpRouter::handle(HttpRequest request, Respond respond) {
  const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  for (const auto& [prefix, handler] : routes_) {
    if (path.starts_with(prefix)) return handler->handle(std::move(request), std::move(respond));
  }
  fallback_.handle(std::move(request), std::move(respond));
}

HttpResponse HttpRouter::refuse(const Error& error) { return fallback_.refuse(error); }

}  // namespace oncegate
