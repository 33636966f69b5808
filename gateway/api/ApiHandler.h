#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gateway/http/HttpExchange.h"

namespace oncegate {

class AuditLog;
class DataRequestService;
class LiveConfiguration;
struct ApiCounters;
struct ApiExchange;

// The /v1 API, health, metrics and the API description over HTTP: routes a request, parses it,
// hands data requests to the DataRequestService and renders what it answers. Every error leaves
// through errorResponse().
class ApiHandler final : public HttpHandler {
 public:
  // `audit` is asked only whether it is healthy (/readyz).
  ApiHandler(LiveConfiguration& live, DataRequestService& service, const AuditLog& audit);
  ~ApiHandler() override;
  ApiHandler(const ApiHandler&) = delete;
  ApiHandler& operator=(const ApiHandler&) = delete;

  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;

 private:
  void serveData(const std::shared_ptr<ApiExchange>& exchange);
  void serveMetrics(const std::shared_ptr<ApiExchange>& exchange);
  // GET /v1/catalog, /v1/forms and /v1/forms/{form}: metadata for the authenticated client.
  void serveCatalog(const std::shared_ptr<ApiExchange>& exchange, std::string_view route);
  void serveHealth(const std::shared_ptr<ApiExchange>& exchange, bool readiness);
  // Takes one request from the authenticated client's rate limit; answers 429 (with
  // Retry-After) itself and returns false when the client is over it.
  bool withinRateLimit(const std::shared_ptr<ApiExchange>& exchange);

  LiveConfiguration& live_;
  DataRequestService& service_;
  const AuditLog& audit_;
  // Shared with the answers still on their way, which may finish after this handler is gone.
  std::shared_ptr<ApiCounters> counters_;
};

}  // namespace oncegate
