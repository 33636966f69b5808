#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/api/DataRequestParser.h"
#include "gateway/http/HttpExchange.h"
#include "policies/ClientRateLimiter.h"

namespace oncegate {

class AdminApi;
class AuditLog;
class PlanExecutor;
struct GatewaySnapshot;
struct ApiExchange;

// The /v1 API, health and metrics (and the door to /admin/v1): routes a request, authenticates the
// client, resolves or verifies the fields under policy, audits the access and answers. Errors leave
// here as
// {"error","message","request_id"} with the status from httpStatusFor().
class ApiHandler : public HttpHandler {
 public:
  // `admin`, when given, serves /admin/v1/...; without it those paths are unknown (404).
  ApiHandler(std::shared_ptr<const GatewaySnapshot> snapshot, PlanExecutor& executor,
             AuditLog& audit, AdminApi* admin = nullptr);
  ~ApiHandler() override;

  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(unsigned status, std::string_view code, std::string_view message) override;

  // Swaps the configuration in force; requests already running keep theirs.
  void install(std::shared_ptr<const GatewaySnapshot> snapshot);
  std::shared_ptr<const GatewaySnapshot> snapshot() const;

 private:
  void serveData(const std::shared_ptr<ApiExchange>& exchange, DataRequestParser::Kind kind);
  void serveMetrics(const std::shared_ptr<ApiExchange>& exchange);
  // GET /v1/catalog, /v1/forms and /v1/forms/{form}: metadata for the authenticated client.
  void serveCatalog(const std::shared_ptr<ApiExchange>& exchange, std::string_view route);
  void finish(const std::shared_ptr<ApiExchange>& exchange, HttpResponse response);
  void fail(const std::shared_ptr<ApiExchange>& exchange, unsigned status, std::string_view code,
            std::string_view message);
  // Takes one request from the authenticated client's rate limit; answers 429 (with
  // Retry-After) itself and returns false when the client is over it.
  bool withinRateLimit(const std::shared_ptr<ApiExchange>& exchange);

  mutable std::mutex snapshotMutex_;
  std::shared_ptr<const GatewaySnapshot> snapshot_;
  PlanExecutor& executor_;
  AuditLog& audit_;
  AdminApi* admin_;
  // Across snapshots: a reload must not hand every client a fresh burst.
  ClientRateLimiter limiter_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> rateLimited_{0};
  std::atomic<std::uint64_t> clientErrors_{0};
  std::atomic<std::uint64_t> serverErrors_{0};
};

}  // namespace oncegate
