#include "gateway/api/ApiHandler.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string_view>
#include <unordered_set>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "gateway/GatewaySnapshot.h"
#include "gateway/PlanExecutor.h"
#include "gateway/admin/AdminApi.h"
#include "gateway/api/ClientCatalog.h"
#include "gateway/api/DataRequestParser.h"
#include "gateway/api/OpenApiDocument.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/http/HttpStatusMapping.h"
#include "gateway/http/QueryParameters.h"
#include "mappings/Form.h"
#include "policies/Mask.h"

namespace oncegate {

namespace {

using Clock = std::chrono::steady_clock;
using Kind = DataRequestParser::Kind;

// Room reserved up front for answer bodies and audit records, so that they are written without
// growing their buffer again and again (sizes seen on the demo's requests).
constexpr std::size_t kAnswerBase = 64;
constexpr std::size_t kAuditRecordBase = 384;
constexpr std::size_t kBytesPerField = 96;

std::string newRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  auto bits = random();
  for (auto& c : id) {
    c = kHex[bits & 0xF];
    bits >>= 4;
  }
  return id;
}

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

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

const char* outcomeName(DatasetOutcome::State state) {
  switch (state) {
    case DatasetOutcome::State::Found:
      return "found";
    case DatasetOutcome::State::NotFound:
      return "not_found";
    default:
      return "unavailable";
  }
}

}  // namespace

// Everything known about one request while it is being served.
struct ApiExchange {
  HttpRequest request;
  HttpHandler::Respond respond;
  std::string requestId = newRequestId();
  std::string traceId;
  std::string route;
  Clock::time_point started = Clock::now();
  std::shared_ptr<const GatewaySnapshot> snapshot;
  const Client* client = nullptr;
  DataRequest data;
  // Per requested field: its status and what the audit trail records about it.
  struct FieldAnswer {
    std::string id;
    const Field* field = nullptr;
    PolicyDecision decision;
    std::string status;  // "" while it waits for its dataset
    std::size_t plan = 0;
    std::string claim;  // verify only
  };
  std::vector<FieldAnswer> answers;
  std::string form;                 // the {form} of a /v1/forms/{form}... path
  const Form* prefilled = nullptr;  // the form of a prefill
  ResolutionPlan plan;
  std::vector<DatasetOutcome> outcomes;
};

ApiHandler::ApiHandler(std::shared_ptr<const GatewaySnapshot> snapshot, PlanExecutor& executor,
                       AuditLog& audit, AdminApi* admin)
    : snapshot_(std::move(snapshot)), executor_(executor), audit_(audit), admin_(admin) {}

ApiHandler::~ApiHandler() = default;

void ApiHandler::install(std::shared_ptr<const GatewaySnapshot> snapshot) {
  limiter_.retainOnly(snapshot->config.clients.clients());
  std::lock_guard lock(snapshotMutex_);
  snapshot_ = std::move(snapshot);
}

bool ApiHandler::withinRateLimit(const std::shared_ptr<ApiExchange>& exchange) {
  const auto decision = limiter_.tryAcquire(*exchange->client, ClientRateLimiter::Clock::now());
  if (decision.allowed) return true;
  // Not audited: nothing was read or decided, and a flood must not become a flood of fsyncs.
  rateLimited_.fetch_add(1, std::memory_order_relaxed);
  HttpResponse response;
  response.status = 429;
  response.headers.emplace_back("Retry-After",
                                std::to_string(decision.retryAfterSeconds().count()));
  JsonWriter json(response.body);
  json.beginObject().key("error").string(errorCodeName(ErrorCode::RateLimited));
  json.key("message").string("client '" + exchange->client->id +
                             "' is over its rate_limit; retry after " +
                             std::to_string(decision.retryAfter.count()) + " ms");
  json.key("request_id").string(exchange->requestId).endObject();
  finish(exchange, std::move(response));
  return false;
}

std::shared_ptr<const GatewaySnapshot> ApiHandler::snapshot() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshot_;
}

HttpResponse ApiHandler::refuse(unsigned status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.requestId = newRequestId();
  JsonWriter json(response.body);
  json.beginObject().key("error").string(code).key("message").string(message);
  json.key("request_id").string(response.requestId).endObject();
  spdlog::info("request {} refused status={} reason={}", response.requestId, status, code);
  return response;
}

void ApiHandler::handle(HttpRequest request, Respond respond) {
  auto exchange = std::make_shared<ApiExchange>();
  exchange->request = std::move(request);
  exchange->respond = std::move(respond);
  exchange->traceId = traceIdOf(exchange->request.traceparent);
  exchange->snapshot = snapshot();
  requests_.fetch_add(1, std::memory_order_relaxed);

  const auto path = pathOf(exchange->request.target);
  const auto& method = exchange->request.method;
  exchange->route = std::string(path);
  if (admin_ != nullptr && path.starts_with("/admin/v1/")) {
    return admin_->serve(
        exchange->request, exchange->requestId, *this,
        [this, exchange](HttpResponse response) { finish(exchange, std::move(response)); });
  }
  struct Route {
    std::string_view path;
    std::string_view method;
  };
  // /v1/forms/{form} and /v1/forms/{form}/prefill: the form's id is taken out of the path.
  constexpr std::string_view kForms = "/v1/forms/";
  std::string_view routePath = path;
  if (path.starts_with(kForms) && path.size() > kForms.size()) {
    std::string_view rest = path.substr(kForms.size());
    const auto slash = rest.find('/');
    try {
      exchange->form = QueryParameters::decode(rest.substr(0, slash), false);
    } catch (const Error& e) {
      return fail(exchange, 400, errorCodeName(e.code()), e.message());
    }
    routePath = slash == std::string_view::npos    ? "/v1/forms/{form}"
                : rest.substr(slash) == "/prefill" ? "/v1/forms/{form}/prefill"
                                                   : "";
  }
  static constexpr Route kRoutes[] = {
      {"/v1/resolve", "POST"},     {"/v1/verify", "POST"}, {"/v1/forms/{form}/prefill", "POST"},
      {"/v1/forms/{form}", "GET"}, {"/v1/forms", "GET"},   {"/v1/catalog", "GET"},
      {"/healthz", "GET"},         {"/readyz", "GET"},     {"/metrics", "GET"},
      {"/openapi.json", "GET"}};
  const Route* route = nullptr;
  for (const auto& candidate : kRoutes) {
    if (candidate.path == routePath) route = &candidate;
  }
  if (route == nullptr) return fail(exchange, 404, "not_found", "no such endpoint");
  if (route->method != method) {
    return fail(exchange, 405, "method_not_allowed",
                "use " + std::string(route->method) + " for " + std::string(route->path));
  }
  if (routePath == "/v1/resolve") return serveData(exchange, Kind::Resolve);
  if (routePath == "/v1/verify") return serveData(exchange, Kind::Verify);
  if (routePath == "/v1/forms/{form}/prefill") return serveData(exchange, Kind::Prefill);
  if (routePath.starts_with("/v1/forms") || routePath == "/v1/catalog") {
    return serveCatalog(exchange, routePath);
  }
  if (path == "/metrics") return serveMetrics(exchange);
  if (path == "/openapi.json") {
    HttpResponse description;
    description.body = std::string(openApiDocument());
    return finish(exchange, std::move(description));
  }
  HttpResponse response;
  JsonWriter json(response.body);
  if (path == "/healthz") {
    json.beginObject().key("status").string("ok");
  } else {
    // Not ready while the audit trail cannot be written: with strict durability such an
    // instance refuses every data request, so a load balancer should send them elsewhere.
    const bool ready = audit_.healthy();
    if (!ready) response.status = 503;
    json.beginObject().key("status").string(ready ? "ready" : "not_ready");
    if (!ready) json.key("reason").string("the audit trail cannot be written");
    json.key("version").integer(static_cast<std::int64_t>(exchange->snapshot->version));
  }
  json.key("request_id").string(exchange->requestId).endObject();
  finish(exchange, std::move(response));
}

void ApiHandler::serveCatalog(const std::shared_ptr<ApiExchange>& exchange,
                              std::string_view route) {
  const Configuration& config = exchange->snapshot->config;
  exchange->client = config.clients.authenticate(bearerToken(exchange->request.authorization));
  if (exchange->client == nullptr) {
    return fail(exchange, 401, errorCodeName(ErrorCode::Unauthenticated),
                "a valid API key is required: Authorization: Bearer <key>");
  }
  if (!withinRateLimit(exchange)) return;
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
      return fail(exchange, 404, errorCodeName(ErrorCode::NotFound),
                  "no form '" + exchange->form + "'");
    }
    // As its prefill would be: the purpose is not this client's.
    if (!exchange->client->allowsPurpose(form->purpose())) {
      return fail(exchange, 403, errorCodeName(ErrorCode::Forbidden),
                  "purpose '" + form->purpose() + "' of form '" + form->id() +
                      "' is not allowed for client '" + exchange->client->id + "'");
    }
    catalog.writeForm(*form, json);
  }
  json.key("request_id").string(exchange->requestId).endObject();
  finish(exchange, std::move(response));
}

void ApiHandler::fail(const std::shared_ptr<ApiExchange>& exchange, unsigned status,
                      std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  JsonWriter json(response.body);
  json.beginObject().key("error").string(code).key("message").string(message);
  json.key("request_id").string(exchange->requestId).endObject();
  finish(exchange, std::move(response));
}

void ApiHandler::finish(const std::shared_ptr<ApiExchange>& exchange, HttpResponse response) {
  response.requestId = exchange->requestId;
  response.traceparent = exchange->traceId.empty() ? std::string() : exchange->request.traceparent;
  if (response.status >= 500) {
    serverErrors_.fetch_add(1, std::memory_order_relaxed);
  } else if (response.status >= 400) {
    clientErrors_.fetch_add(1, std::memory_order_relaxed);
  }
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - exchange->started);
  // Never the subject, never a value: request id, who, what route, how it ended, how long.
  spdlog::info("request {} {} {} client={} status={} latency_us={}", exchange->requestId,
               exchange->request.method, exchange->route,
               exchange->client ? exchange->client->id : "-", response.status, micros.count());
  exchange->respond(std::move(response));
}

void ApiHandler::serveMetrics(const std::shared_ptr<ApiExchange>& exchange) {
  HttpResponse response;
  response.contentType = "text/plain; version=0.0.4";
  auto& out = response.body;
  out += "# TYPE oncegate_requests_total counter\n";
  out += "oncegate_requests_total " + std::to_string(requests_.load()) + "\n";
  out += "# TYPE oncegate_responses_client_errors_total counter\n";
  out += "oncegate_responses_client_errors_total " + std::to_string(clientErrors_.load()) + "\n";
  out += "# TYPE oncegate_responses_server_errors_total counter\n";
  out += "oncegate_responses_server_errors_total " + std::to_string(serverErrors_.load()) + "\n";
  out += "# TYPE oncegate_rate_limited_total counter\n";
  out += "oncegate_rate_limited_total " + std::to_string(rateLimited_.load()) + "\n";
  // What every instance should agree on; an operator compares it across them.
  out += "# TYPE oncegate_config_version gauge\n";
  out += "oncegate_config_version " + std::to_string(exchange->snapshot->version) + "\n";
  out += "# TYPE oncegate_source_queries_total counter\n";
  std::string failures = "# TYPE oncegate_source_failures_total counter\n";
  std::string connects = "# TYPE oncegate_source_connects_total counter\n";
  std::string shortCircuited = "# TYPE oncegate_source_short_circuited_total counter\n";
  for (const auto& [id, source] : exchange->snapshot->sources.all()) {
    const auto stats = source->stats();
    const std::string label = "{source=\"" + id + "\"} ";
    out += "oncegate_source_queries_total" + label + std::to_string(stats.queries) + "\n";
    failures += "oncegate_source_failures_total" + label + std::to_string(stats.failures) + "\n";
    connects += "oncegate_source_connects_total" + label + std::to_string(stats.connects) + "\n";
    shortCircuited += "oncegate_source_short_circuited_total" + label +
                      std::to_string(stats.shortCircuited) + "\n";
  }
  out += failures + connects + shortCircuited;
  finish(exchange, std::move(response));
}

namespace {

// The audit line of a data request: who asked what about whom, for which purpose and case, what
// was decided for each field, and where each dataset came from.
std::string auditRecord(const ApiExchange& exchange, unsigned status) {
  std::string out;
  out.reserve(kAuditRecordBase + kBytesPerField * exchange.answers.size());
  JsonWriter json(out);
  json.beginObject()
      .key("time")
      .string(utcTimestamp())
      .key("request_id")
      .string(exchange.requestId);
  if (!exchange.traceId.empty()) json.key("trace_id").string(exchange.traceId);
  json.key("route").string(exchange.route).key("status").integer(status);
  json.key("client");
  exchange.client ? json.string(exchange.client->id) : json.null();
  json.key("purpose").string(exchange.data.purpose);
  json.key("case").string(exchange.data.caseNumber);
  json.key("subject").beginObject().key("type").string(exchange.data.subjectType);
  for (const auto& [key, value] : exchange.data.subjectKeys) json.key(key).string(value);
  json.endObject();
  json.key("fields").beginObject();
  for (const auto& answer : exchange.answers) {
    json.key(answer.id).string(answer.status.empty() ? "not_asked" : answer.status);
  }
  json.endObject();
  json.key("datasets").beginArray();
  for (std::size_t i = 0; i < exchange.plan.datasets.size() && i < exchange.outcomes.size(); ++i) {
    const auto& dataset = *exchange.plan.datasets[i].dataset;
    const auto& outcome = exchange.outcomes[i];
    json.beginObject().key("id").string(dataset.id()).key("source").string(dataset.source());
    json.key("from").string(outcome.fromCache ? "cache" : "source");
    json.key("outcome").string(outcomeName(outcome.state)).endObject();
  }
  json.endArray().endObject();
  return out;
}

// Settles each planned field from its dataset's outcome and writes the answer body: values
// masked for resolve, a match for verify, reasons for refusals.
std::string answerFields(ApiExchange& exchange, Kind kind) {
  std::string body;
  body.reserve(kAnswerBase + kBytesPerField * exchange.answers.size());
  JsonWriter json(body);
  json.beginObject().key("request_id").string(exchange.requestId).key("fields").beginObject();
  const auto& hashKey = exchange.snapshot->config.gateway.hashKey;
  for (auto& answer : exchange.answers) {
    json.key(answer.id).beginObject();
    std::optional<Value> value;
    const DatasetOutcome* outcome = nullptr;
    const Dataset* dataset = nullptr;
    if (answer.status.empty()) {
      outcome = &exchange.outcomes[answer.plan];
      dataset = exchange.plan.datasets[answer.plan].dataset;
      switch (outcome->state) {
        case DatasetOutcome::State::Found:
          try {
            value = answer.field->valueFrom(outcome->row);
            answer.status = value->isNull() ? "not_found" : "ok";
          } catch (const Error& e) {
            spdlog::warn("request {} field {}: {}", exchange.requestId, answer.id, e.message());
            answer.status = "unavailable";
          }
          break;
        case DatasetOutcome::State::NotFound:
          answer.status = "not_found";
          break;
        default:
          answer.status = "unavailable";
      }
    }
    json.key("status").string(answer.status);
    if (answer.status == "ok" && kind != Kind::Verify) {
      json.key("value").value(applyMask(answer.decision.mask, *value, hashKey));
    } else if (answer.status == "ok") {
      json.key("match").boolean(value->toString() == answer.claim);
    } else if (answer.status == "denied") {
      json.key("reason").string(answer.decision.reason);
    } else if (answer.status == "verify_only") {
      json.key("reason").string("verify-only grant: ask /v1/verify with a claim");
    }
    if (dataset != nullptr) {
      json.key("source").string(dataset->source()).key("cached").boolean(outcome->fromCache);
    }
    json.endObject();
  }
  json.endObject();
  if (const Form* form = exchange.prefilled) {
    // What the applicant still fills in: the entries the form leaves to them, and every field
    // the departments could not give (not found, denied, verify-only, unavailable).
    json.key("form").string(form->id()).key("to_supply").beginArray();
    std::int64_t filled = 0;
    std::size_t next = 0;
    for (const auto& entry : form->entries()) {
      if (entry.suppliedByApplicant) {
        json.string(entry.field);
        continue;
      }
      // Answers follow the form's order; a field listed twice was answered once.
      const auto* answer =
          next < exchange.answers.size() && exchange.answers[next].id == entry.field
              ? &exchange.answers[next++]
              : nullptr;
      if (answer == nullptr) continue;
      if (answer->status == "ok") {
        ++filled;
      } else {
        json.string(entry.field);
      }
    }
    const auto total = static_cast<std::int64_t>(form->entries().size());
    json.endArray().key("filled").integer(filled).key("total").integer(total);
    const double rate = total == 0 ? 0.0 : static_cast<double>(filled) / static_cast<double>(total);
    json.key("sharing_rate").number(std::round(rate * 1000) / 1000);
  }
  json.endObject();
  return body;
}

}  // namespace

void ApiHandler::serveData(const std::shared_ptr<ApiExchange>& exchange, Kind kind) {
  const GatewaySnapshot& snapshot = *exchange->snapshot;
  const Configuration& config = snapshot.config;
  std::string subjectKey;
  try {
    exchange->client = config.clients.authenticate(bearerToken(exchange->request.authorization));
    if (exchange->client == nullptr) {
      throw Error(ErrorCode::Unauthenticated,
                  "a valid API key is required: Authorization: Bearer <key>");
    }
    if (!withinRateLimit(exchange)) return;
    exchange->data = DataRequestParser::parse(exchange->request.body, kind);
    if (kind == Kind::Prefill) {
      // The form says the purpose and the fields; the caller says whom, and the case.
      const Form* form = config.mappings.form(exchange->form);
      if (form == nullptr) throw Error(ErrorCode::NotFound, "no form '" + exchange->form + "'");
      exchange->prefilled = form;
      exchange->data.purpose = form->purpose();
      if (exchange->data.subjectType != form->subject()) {
        throw Error(ErrorCode::BadRequest, "form '" + form->id() + "' is about subject type '" +
                                               form->subject() + "', not '" +
                                               exchange->data.subjectType + "'");
      }
      for (const auto& entry : form->entries()) {
        if (!entry.suppliedByApplicant) exchange->data.fields.push_back(entry.field);
      }
    }
    if (!exchange->client->allowsPurpose(exchange->data.purpose)) {
      throw Error(ErrorCode::Forbidden, "purpose '" + exchange->data.purpose +
                                            "' is not allowed for client '" + exchange->client->id +
                                            "'");
    }
    const SubjectType* type = config.mappings.subject(exchange->data.subjectType);
    if (type == nullptr) {
      throw Error(ErrorCode::BadRequest,
                  "unknown subject type '" + exchange->data.subjectType + "'");
    }
    subjectKey = type->keyValueOf(exchange->data.subjectKeys);
    const auto now = std::chrono::system_clock::now();
    if (exchange->data.caseNumber.empty() &&
        config.policies.requiresCase(exchange->client->id, exchange->data.purpose, now)) {
      throw Error(ErrorCode::Forbidden, "a case number (\"case\") is required for purpose '" +
                                            exchange->data.purpose + "'");
    }
    const std::size_t asked =
        kind != Kind::Verify ? exchange->data.fields.size() : exchange->data.claims.size();
    if (asked > config.gateway.maxFields) {
      throw Error(ErrorCode::BadRequest, "too many fields: " + std::to_string(asked) +
                                             " asked, limits.max_fields is " +
                                             std::to_string(config.gateway.maxFields));
    }

    // Decide every field first, then plan only those that may be read: a denied field costs
    // no query.
    std::unordered_set<std::string_view> seen;
    std::vector<std::string> planned;
    auto decideField = [&](const std::string& id, std::string claim) {
      if (!seen.insert(id).second) return;
      ApiExchange::FieldAnswer answer;
      answer.id = id;
      answer.claim = std::move(claim);
      answer.field = config.mappings.field(id);
      if (answer.field == nullptr || &config.mappings.subjectOf(*answer.field) != type) {
        answer.status = "unknown_field";
      } else {
        answer.decision = config.policies.decide(exchange->client->id, exchange->data.purpose, id,
                                                 answer.field->sharing(), now);
        using Effect = PolicyDecision::Effect;
        if (answer.decision.effect == Effect::Deny) {
          answer.status = "denied";
        } else if (answer.decision.effect == Effect::VerifyOnly && kind != Kind::Verify) {
          answer.status = "verify_only";
        } else {
          planned.push_back(id);
        }
      }
      exchange->answers.push_back(std::move(answer));
    };
    if (kind != Kind::Verify) {
      exchange->answers.reserve(exchange->data.fields.size());
      for (const auto& id : exchange->data.fields) decideField(id, {});
    } else {
      exchange->answers.reserve(exchange->data.claims.size());
      for (const auto& [id, claim] : exchange->data.claims) decideField(id, claim);
    }
    exchange->plan = snapshot.planner.plan(type->id(), planned);
  } catch (const Error& e) {
    const unsigned status = httpStatusFor(e.code());
    if (status != 401 && status != 403) {
      return fail(exchange, status, errorCodeName(e.code()), e.message());
    }
    // The fields a refused request asked for are recorded as "refused": who tried to read what
    // matters to an auditor, and a policy replay can show what a change would let through.
    if (status == 403 && exchange->answers.empty()) {
      const auto refused = [&](const std::string& id) {
        ApiExchange::FieldAnswer answer;
        answer.id = id;
        answer.status = "refused";
        exchange->answers.push_back(std::move(answer));
      };
      if (kind != Kind::Verify) {
        for (const auto& id : exchange->data.fields) refused(id);
      } else {
        for (const auto& [id, claim] : exchange->data.claims) refused(id);
      }
    }
    // A refused access is an access too: audited, and (strict) on disk before the answer.
    audit_.append(auditRecord(*exchange, status),
                  // The refusal serves no data, so it is answered even if it could not be recorded.
                  [this, exchange, status, code = errorCodeName(e.code()), message = e.message()](
                      bool /*recorded*/) { fail(exchange, status, code, message); });
    return;
  }

  // Each field waiting for data takes the plan entry of its dataset (a plan has a few datasets).
  for (auto& answer : exchange->answers) {
    if (!answer.status.empty()) continue;
    const auto& datasets = exchange->plan.datasets;
    for (std::size_t i = 0; i < datasets.size(); ++i) {
      if (datasets[i].dataset->id() == answer.field->dataset()) answer.plan = i;
    }
  }
  const auto deadline = Clock::now() + config.gateway.requestTimeout;
  executor_.run(config.mappings, snapshot.sources, exchange->plan, Value::string(subjectKey),
                deadline, [this, exchange, kind](std::vector<DatasetOutcome> outcomes) {
                  exchange->outcomes = std::move(outcomes);
                  HttpResponse response;
                  response.body = answerFields(*exchange, kind);
                  // With strict durability the answer leaves only once its audit line is on disk.
                  audit_.append(
                      auditRecord(*exchange, 200),
                      [this, exchange, response = std::move(response)](bool recorded) mutable {
                        if (!recorded) {
                          return fail(exchange, 503, errorCodeName(ErrorCode::Overloaded),
                                      "the audit trail cannot be written: no data is "
                                      "served until it can");
                        }
                        finish(exchange, std::move(response));
                      });
                });
}

}  // namespace oncegate
