#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/HttpExchange.h"

namespace oncegate {

class AccessListing;
class AuditLog;
class DataRequestService;
class GatewayStats;
class LiveConfiguration;
class RefusalTally;
struct ApiExchange;
struct ComponentSamples;

// The /v1 API, health, metrics and the API description over HTTP: routes a request, parses it,
// hands data requests to the DataRequestService and renders what it answers. Every error leaves
// through errorResponse().
class ApiHandler final : public HttpHandler {
 public:
  // Fills what the components own into a scrape (the composition root knows them): audit, cache
  // tiers, logs. Sources and the configuration version come from the snapshot in force.
  using GatherSamples = std::function<void(ComponentSamples&)>;

  // `audit` is asked only whether it is healthy (/readyz). `stats` (owned by the composition
  // root, declared before the audit log so that answers the audit writer finishes can count)
  // receives every answer. `refusals` counts the requests without a valid API key (401).
  // `accesses` answers POST /v1/accesses.
  ApiHandler(LiveConfiguration& live, DataRequestService& service, AccessListing& accesses,
             const AuditLog& audit, RefusalTally& refusals, GatewayStats& stats,
             GatherSamples gather);
  ~ApiHandler() override;
  ApiHandler(const ApiHandler&) = delete;
  ApiHandler& operator=(const ApiHandler&) = delete;

  // The route templates this handler counts requests by (for GatewayStats).
  static std::vector<std::string> routes();

  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;

 private:
  void serveData(const std::shared_ptr<ApiExchange>& exchange);
  // POST /v1/accesses: who accessed a subject's data (AccessListing).
  void serveAccesses(const std::shared_ptr<ApiExchange>& exchange);
  void serveMetrics(const std::shared_ptr<ApiExchange>& exchange);
  // GET /v1/keys: the JWKS of the signing keys, without authentication.
  void serveKeys(const std::shared_ptr<ApiExchange>& exchange);
  // GET /v1/catalog, /v1/forms and /v1/forms/{form}: metadata for the authenticated client.
  void serveCatalog(const std::shared_ptr<ApiExchange>& exchange, std::string_view route);
  void serveHealth(const std::shared_ptr<ApiExchange>& exchange, bool readiness);
  // Takes one request from the authenticated client's rate limit; answers 429 (with
  // Retry-After) itself and returns false when the client is over it.
  // Authenticates the caller (sets exchange->client) and applies its rate limit; false when the
  // request was answered (401 or 429).
  bool admitted(const std::shared_ptr<ApiExchange>& exchange);
  bool withinRateLimit(const std::shared_ptr<ApiExchange>& exchange);
  // Answers a 401 or 403 of an endpoint that serves no data (catalog, forms) after auditing it
  // through DataRequestService::refuse, the path every /v1 refusal takes. `purpose`: the one the
  // refused call was about, when known.
  void refuseAudited(const std::shared_ptr<ApiExchange>& exchange, Error error,
                     std::string purpose = {});

  LiveConfiguration& live_;
  DataRequestService& service_;
  AccessListing& accesses_;
  const AuditLog& audit_;
  RefusalTally& refusals_;
  GatewayStats& stats_;
  const GatherSamples gather_;
};

}  // namespace oncegate
