#include "gateway/api/ApiHandler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <variant>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/LogText.h"
#include "common/UtcTimestamp.h"
#include "gateway/api/DataRequestParser.h"
#include "gateway/api/OpenApiDocument.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/audit/RefusalTally.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/http/RequestId.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/service/AccessListing.h"
#include "gateway/service/ClientCatalog.h"
#include "gateway/service/DataRequestService.h"
#include "gateway/signing/AnswerSigner.h"
#include "gateway/signing/JsonWebKeySet.h"
#include "gateway/stats/ComponentSamples.h"
#include "gateway/stats/GatewayStats.h"
#include "gateway/stats/PrometheusTextWriter.h"
#include "mappings/Form.h"
#include "mappings/SubjectType.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using Kind = DataRequestKind;

// Room reserved up front for answer bodies, so that they are written without growing their
// buffer again and again (sizes seen on the demo's requests).
constexpr std::size_t kAnswerBase = 64;
constexpr std::size_t kBytesPerField = 96;

// W3C trace context: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
std::string traceIdOf(std::string_view traceparent) {
  if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return {};
  }
  const auto hex = traceparent.substr(3, 32);
  if (hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) return {};
  return std::string(hex);
}

std::string_view bearerToken(std::string_view authorization) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() <= kPrefix.size() ||
      authorization.substr(0, kPrefix.size()) != kPrefix) {
    return {};
  }
  return authorization.substr(kPrefix.size());
}

Error unauthenticated() {
  return Error(ErrorCode::Unauthenticated,
               "a valid API key (Authorization: Bearer <key>) or a known client certificate is "
               "required; when both are sent they must belong to the same client");
}

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// What a signed answer states about itself, so that it stands as evidence on its own: when it
// was issued, to which client, for what purpose and case, about which subject (the key as the
// service validated it, never anything else the caller sent).
void writeStatement(JsonWriter& json, const DataAnswer& answer,
                    const DataRequestService::Call& call) {
  json.key("issued_at").string(utcTimestamp(answer.settledAt));
  json.key("client").string(call.client->id).key("purpose").string(call.request.purpose);
  json.key("case");
  call.request.caseNumber.empty() ? json.null() : json.string(call.request.caseNumber);
  json.key("subject").beginObject().key("type").string(call.request.subjectType);
  const auto* type = call.snapshot->config.mappings.subject(call.request.subjectType);
  if (type != nullptr && !call.subjectKey.empty()) json.key(type->key()).string(call.subjectKey);
  json.endObject();
}

// The body of a settled data request; `signed_`: the call whose answer is signed, which then
// states what it answers.
std::string render(const DataAnswer& answer, const std::string& requestId,
                   const DataRequestService::Call* signed_) {
  std::string body;
  body.reserve(kAnswerBase + kBytesPerField * answer.fields.size());
  JsonWriter json(body);
  json.beginObject().key("request_id").string(requestId);
  if (signed_ != nullptr) writeStatement(json, answer, *signed_);
  json.key("fields").beginObject();
  for (const auto& field : answer.fields) {
    json.key(field.id).beginObject().key("status").string(fieldStatusName(field.status));
    if (field.value) json.key("value").value(*field.value);
    if (field.match) json.key("match").boolean(*field.match);
    if (!field.reason.empty()) json.key("reason").string(field.reason);
    if (!field.source.empty())
      json.key("source").string(field.source).key("cached").boolean(field.cached);
    json.endObject();
  }
  json.endObject();
  if (const auto& form = answer.form) {
    json.key("form").string(form->id).key("to_supply").beginArray();
    for (const auto& id : form->toSupply) json.string(id);
    json.endArray().key("filled").integer(form->filled).key("total").integer(form->total);
    json.key("sharing_rate").number(form->sharingRate);
  }
  json.endObject();
  return body;
}

// The body of a listing of accesses: what was asked and how it ended, never a value.
std::string render(const AccessListing::Answer& answer, const std::string& requestId) {
  std::string body;
  body.reserve(kAnswerBase + kBytesPerField * answer.accesses.size());
  JsonWriter json(body);
  json.beginObject().key("request_id").string(requestId).key("accesses").beginArray();
  for (const auto& access : answer.accesses) {
    json.beginObject().key("time").string(access.time);
    json.key("department").string(access.department).key("client").string(access.client);
    json.key("purpose").string(access.purpose).key("case");
    access.caseNumber.empty() ? json.null() : json.string(access.caseNumber);
    json.key("fields").beginObject();
    for (const auto& [id, outcome] : access.fields) json.key(id).string(outcome);
    json.endObject().endObject();
  }
  json.endArray().key("truncated").boolean(answer.truncated).endObject();
  return body;
}

}  // namespace

// Everything known about one request while it is being served.
struct ApiExchange {
  HttpRequest request;
  HttpHandler::Respond respond;
  GatewayStats* stats = nullptr;
  std::string requestId = newRequestId();
  std::string traceId;
  std::string route;                         // the path, for the log and the audit trail
  std::string_view routeTemplate = "other";  // for /metrics: never a client's own path
  Clock::time_point started = Clock::now();
  std::shared_ptr<const GatewaySnapshot> snapshot;
  const Client* client = nullptr;
  Kind kind = Kind::Resolve;
  std::string form;  // the {form} of a /v1/forms/{form}... path

  // Answers the request. Touches nothing but the exchange and the stats, so an answer finished
  // late (by the audit writer, at shutdown) needs no handler.
  void finish(HttpResponse response) {
    response.requestId = requestId;
    response.traceparent = traceId.empty() ? std::string() : request.traceparent;
    const auto took = Clock::now() - started;
    stats->countRequest(routeTemplate, response.status, took);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(took);
    // Never the subject, never a value: request id, who, what route, how it ended, how long.
    // Off with `log: { requests: false }` (the audit trail has every data request anyway).
    if (snapshot == nullptr || snapshot->config.gateway.logRequests) {
      spdlog::info("request {} {} {} client={} status={} latency_us={}", requestId,
                   logText(request.method), logText(route), client ? client->id : "-",
                   response.status, micros.count());
    }
    respond(std::move(response));
  }
  void fail(const Error& error) {
    auto response = errorResponse(error, requestId);
    // Overloaded (the audit trail cannot take the record, shutting down) passes: come back.
    if (error.code() == ErrorCode::Overloaded) response.headers.emplace_back("Retry-After", "1");
    finish(std::move(response));
  }
};

namespace {

struct Route {
  std::string_view path;
  std::string_view method;
};
constexpr Route kRoutes[] = {
    {"/v1/resolve", "POST"},     {"/v1/verify", "POST"},   {"/v1/forms/{form}/prefill", "POST"},
    {"/v1/forms/{form}", "GET"}, {"/v1/forms", "GET"},     {"/v1/catalog", "GET"},
    {"/v1/keys", "GET"},         {"/healthz", "GET"},      {"/readyz", "GET"},
    {"/metrics", "GET"},         {"/openapi.json", "GET"}, {"/v1/accesses", "POST"}};

// The service's view of a request: what it was and how to trace it (the body is parsed apart).
std::shared_ptr<DataRequestService::Call> callFor(const ApiExchange& exchange) {
  auto call = std::make_shared<DataRequestService::Call>();
  call->snapshot = exchange.snapshot;
  call->client = exchange.client;
  call->kind = exchange.kind;
  call->form = exchange.form;
  call->requestId = exchange.requestId;
  call->traceId = exchange.traceId;
  call->route = exchange.route;
  return call;
}

}  // namespace

ApiHandler::ApiHandler(LiveConfiguration& live, DataRequestService& service,
                       AccessListing& accesses, const AuditLog& audit, RefusalTally& refusals,
                       GatewayStats& stats, GatherSamples gather)
    : live_(live),
      service_(service),
      accesses_(accesses),
      audit_(audit),
      refusals_(refusals),
      stats_(stats),
      gather_(std::move(gather)) {}

std::vector<std::string> ApiHandler::routes() {
  std::vector<std::string> routes;
  for (const auto& route : kRoutes) routes.emplace_back(route.path);
  return routes;
}

ApiHandler::~ApiHandler() = default;

HttpResponse ApiHandler::refuse(const Error& error) {
  auto response = errorResponse(error, newRequestId());
  spdlog::info("request {} refused status={} reason={}", response.requestId, response.status,
               errorCodeName(error.code()));
  return response;
}

void ApiHandler::handle(HttpRequest request, Respond respond) {
  auto exchange = std::make_shared<ApiExchange>();
  exchange->request = std::move(request);
  exchange->respond = std::move(respond);
  exchange->stats = &stats_;
  exchange->traceId = traceIdOf(exchange->request.traceparent);
  exchange->snapshot = live_.current();

  const auto path = pathOf(exchange->request.target);
  const auto& method = exchange->request.method;
  exchange->route = std::string(path);
  // /v1/forms/{form} and /v1/forms/{form}/prefill: the form's id is taken out of the path.
  constexpr std::string_view kForms = "/v1/forms/";
  std::string_view routePath = path;
  if (path.starts_with(kForms) && path.size() > kForms.size()) {
    std::string_view rest = path.substr(kForms.size());
    const auto slash = rest.find('/');
    try {
      exchange->form = QueryParameters::decode(rest.substr(0, slash), false);
    } catch (const Error& e) {
      return exchange->fail(e);
    }
    routePath = slash == std::string_view::npos    ? "/v1/forms/{form}"
                : rest.substr(slash) == "/prefill" ? "/v1/forms/{form}/prefill"
                                                   : "";
  }
  const Route* route = nullptr;
  for (const auto& candidate : kRoutes) {
    if (candidate.path == routePath) route = &candidate;
  }
  if (route == nullptr) return exchange->fail(Error(ErrorCode::NotFound, "no such endpoint"));
  exchange->routeTemplate = route->path;
  if (route->method != method) {
    return exchange->fail(
        Error(ErrorCode::MethodNotAllowed,
              "use " + std::string(route->method) + " for " + std::string(route->path)));
  }
  if (routePath == "/v1/resolve" || routePath == "/v1/verify" ||
      routePath == "/v1/forms/{form}/prefill") {
    exchange->kind = routePath == "/v1/resolve"  ? Kind::Resolve
                     : routePath == "/v1/verify" ? Kind::Verify
                                                 : Kind::Prefill;
    return serveData(exchange);
  }
  if (routePath == "/v1/accesses") return serveAccesses(exchange);
  if (routePath.starts_with("/v1/forms") || routePath == "/v1/catalog") {
    return serveCatalog(exchange, routePath);
  }
  if (path == "/v1/keys") return serveKeys(exchange);
  if (path == "/metrics") return serveMetrics(exchange);
  if (path == "/openapi.json") {
    HttpResponse description;
    description.body = std::string(openApiDocument());
    return exchange->finish(std::move(description));
  }
  serveHealth(exchange, path == "/readyz");
}

void ApiHandler::serveHealth(const std::shared_ptr<ApiExchange>& exchange, bool readiness) {
  HttpResponse response;
  JsonWriter json(response.body);
  if (!readiness) {
    json.beginObject().key("status").string("ok");
  } else {
    // Not ready while the audit trail cannot be written: with strict durability such an
    // instance refuses every data request, so a load balancer should send them elsewhere.
    const bool ready = audit_.healthy();
    if (!ready) response.status = 503;
    json.beginObject().key("status").string(ready ? "ready" : "not_ready");
    if (!ready) json.key("reason").string("the audit trail cannot be written");
    json.key("version").integer(static_cast<std::int64_t>(exchange->snapshot->version));
    // A source that is down or whose breaker is open makes only its own fields unavailable: the
    // instance stays ready for the rest, and says which sources are degraded and why.
    std::vector<std::pair<std::string, const char*>> degraded;
    for (const auto& [id, source] : exchange->snapshot->sources.all()) {
      const auto stats = source->stats();
      if (stats.down) {
        degraded.emplace_back(id, "down");
      } else if (stats.breakerOpen) {
        degraded.emplace_back(id, "breaker_open");
      }
    }
    std::sort(degraded.begin(), degraded.end());
    json.key("degraded_sources").beginArray();
    for (const auto& [id, state] : degraded) {
      json.beginObject().key("source").string(id).key("state").string(state).endObject();
    }
    json.endArray();
  }
  json.key("request_id").string(exchange->requestId).endObject();
  exchange->finish(std::move(response));
}

bool ApiHandler::admitted(const std::shared_ptr<ApiExchange>& exchange) {
  exchange->client = DataRequestService::authenticate(*exchange->snapshot,
                                                      bearerToken(exchange->request.authorization),
                                                      exchange->request.clientCertificateSha256);
  if (exchange->client == nullptr) {
    // An access attempt without credentials is audited too, but in aggregate (RefusalTally):
    // anyone can send them, and nothing they sent is written before a key is valid.
    refusals_.count(exchange->request.remoteAddress, exchange->routeTemplate);
    exchange->fail(unauthenticated());
    return false;
  }
  return withinRateLimit(exchange);
}

bool ApiHandler::withinRateLimit(const std::shared_ptr<ApiExchange>& exchange) {
  const auto decision = service_.throttle(*exchange->snapshot, *exchange->client);
  if (decision.allowed) return true;
  stats_.countRateLimited();
  auto response = errorResponse(
      Error(ErrorCode::RateLimited, "client '" + exchange->client->id +
                                        "' is over its rate_limit (or, without one, "
                                        "limits.default_rate_limit); retry after " +
                                        std::to_string(decision.retryAfter.count()) + " ms"),
      exchange->requestId);
  response.headers.emplace_back("Retry-After",
                                std::to_string(decision.retryAfterSeconds().count()));
  exchange->finish(std::move(response));
  return false;
}

void ApiHandler::serveCatalog(const std::shared_ptr<ApiExchange>& exchange,
                              std::string_view route) {
  if (!admitted(exchange)) return;
  const Configuration& config = exchange->snapshot->config;
  const ClientCatalog catalog(config, *exchange->client, std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject();
  if (route == "/v1/catalog") {
    catalog.writeFields(json);
  } else if (route == "/v1/forms") {
    catalog.writeForms(json);
  } else {
    const Form* form = config.mappings.form(exchange->form);
    if (form == nullptr) {
      return exchange->fail(Error(ErrorCode::NotFound, "no form '" + exchange->form + "'"));
    }
    // As its prefill would be: the purpose is not this client's.
    if (!exchange->client->allowsPurpose(form->purpose())) {
      return refuseAudited(exchange,
                           Error(ErrorCode::Forbidden,
                                 "purpose '" + form->purpose() + "' of form '" + form->id() +
                                     "' is not allowed for client '" + exchange->client->id + "'"),
                           form->purpose());
    }
    catalog.writeForm(*form, json);
  }
  json.key("request_id").string(exchange->requestId).endObject();
  exchange->finish(std::move(response));
}

void ApiHandler::refuseAudited(const std::shared_ptr<ApiExchange>& exchange, Error error,
                               std::string purpose) {
  auto call = callFor(*exchange);
  call->request.purpose = std::move(purpose);
  service_.refuse(std::move(call), std::move(error),
                  [exchange](DataRequestService::Outcome outcome) {
                    exchange->fail(std::get<Error>(outcome));
                  });
}

void ApiHandler::serveData(const std::shared_ptr<ApiExchange>& exchange) {
  auto call = callFor(*exchange);
  // Rendered (and signed) where the answer settles, on this I/O thread; `done` then only sends
  // it, wherever it runs.
  auto rendered = std::make_shared<HttpResponse>();
  call->settled = [rendered, requestId = exchange->requestId](
                      const DataRequestService::Call& settledCall, const DataAnswer& answer) {
    const auto& signer = settledCall.snapshot->signer;
    rendered->body = render(answer, requestId, signer ? &settledCall : nullptr);
    // Over the exact bytes sent: nothing touches the body after this.
    if (!signer) return;
    try {
      rendered->headers.emplace_back(AnswerSigner::kHeaderName, signer->sign(rendered->body));
    } catch (const std::exception& e) {
      // An answer that should be signed never leaves unsigned.
      spdlog::error("request {}: the answer could not be signed: {}", requestId, e.what());
      rendered->body.clear();
    }
  };
  auto done = [exchange, rendered](DataRequestService::Outcome outcome) {
    if (auto* error = std::get_if<Error>(&outcome)) return exchange->fail(*error);
    if (rendered->body.empty()) {
      return exchange->fail(Error(ErrorCode::Internal, "internal error", "answer not signed"));
    }
    exchange->finish(std::move(*rendered));
  };
  if (!admitted(exchange)) return;
  call->client = exchange->client;
  try {
    call->request = DataRequestParser::parse(exchange->request.body, exchange->kind);
  } catch (const Error& e) {
    return exchange->fail(e);
  }
  service_.serve(std::move(call), std::move(done));
}

void ApiHandler::serveKeys(const std::shared_ptr<ApiExchange>& exchange) {
  // Without signing: an empty set, so that a verifier's key fetch never fails on a 404.
  HttpResponse response;
  const auto& signing = exchange->snapshot->config.gateway.signing;
  response.body =
      signing ? JsonWebKeySet::published(*signing, std::chrono::system_clock::now()).render()
              : JsonWebKeySet().render();
  exchange->finish(std::move(response));
}

void ApiHandler::serveAccesses(const std::shared_ptr<ApiExchange>& exchange) {
  if (!admitted(exchange)) return;
  auto call = callFor(*exchange);
  AccessListRequest request;
  try {
    request = DataRequestParser::parseAccesses(exchange->request.body);
  } catch (const Error& e) {
    return exchange->fail(e);
  }
  accesses_.list(std::move(call), std::move(request), [exchange](AccessListing::Outcome outcome) {
    if (auto* error = std::get_if<Error>(&outcome)) return exchange->fail(*error);
    HttpResponse response;
    response.body = render(std::get<AccessListing::Answer>(outcome), exchange->requestId);
    exchange->finish(std::move(response));
  });
}

void ApiHandler::serveMetrics(const std::shared_ptr<ApiExchange>& exchange) {
  ComponentSamples samples;
  samples.configVersion = exchange->snapshot->version;
  for (const auto& [id, source] : exchange->snapshot->sources.all()) {
    const auto stats = source->stats();
    SourceSample sample;
    sample.id = id;
    sample.queries = stats.queries;
    sample.failures = stats.failures;
    sample.timeouts = stats.timeouts;
    sample.shortCircuited = stats.shortCircuited;
    sample.connects = stats.connects;
    sample.inUse = stats.inUse;
    sample.queued = stats.queued;
    sample.abandoned = stats.abandoned;
    sample.breakerOpen = stats.breakerOpen;
    sample.down = stats.down;
    sample.durations = stats.queryDuration;
    samples.sources.push_back(std::move(sample));
  }
  // Sorted, so that consecutive scrapes list sources in one order.
  std::sort(samples.sources.begin(), samples.sources.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  if (gather_) gather_(samples);
  HttpResponse response;
  response.contentType = std::string(PrometheusTextWriter::kContentType);
  stats_.writeScrape(samples, response.body);
  exchange->finish(std::move(response));
}

}  // namespace oncegate
