#include "gateway/admin/AdminRouter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "common/Digest.h"
#include "common/Error.h"
#include "common/LogText.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminRoles.h"
#include "gateway/admin/AuditEndpoints.h"
#include "gateway/admin/CacheEndpoints.h"
#include "gateway/admin/ChangeReviewEndpoints.h"
#include "gateway/admin/ConsistencyEndpoints.h"
#include "gateway/admin/DocumentEndpoints.h"
#include "gateway/admin/FieldGrantEndpoints.h"
#include "gateway/admin/LastSourceProbes.h"
#include "gateway/admin/PolicyToolEndpoints.h"
#include "gateway/admin/ReportEndpoints.h"
#include "gateway/admin/SessionEndpoints.h"
#include "gateway/admin/SourceStatusEndpoints.h"
#include "gateway/admin/SourceToolEndpoints.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/audit/RefusalTally.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/http/RequestId.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"

namespace oncegate {

namespace {

constexpr std::string_view kPrefix = "/admin/v1/";
constexpr std::string_view kBearer = "Bearer ";
// When a refused call (queue full, shutting down) is worth sending again.
constexpr std::chrono::seconds kRetryAfter{1};

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::vector<std::string> splitPath(std::string_view rest) {
  std::vector<std::string> segments;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    // Ids may hold anything a YAML string may: they arrive %-encoded.
    segments.push_back(QueryParameters::decode(rest.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

bool isDbaKind(std::string_view kind) {
  return kind == "sources" || kind == "subjects" || kind == "datasets" || kind == "fields" ||
         kind == "forms" || kind == "cache";
}

}  // namespace

// The roles of admin.tokens: each owns some kinds of document; the auditor reads everything,
// and everyone may read the change log (who changed what, never a value) and ask who they are
// (the session). Deciding a pending change is a security officer's alone, whatever other role
// holds: that is the separation.
bool roleAllows(std::string_view role, std::string_view kind, bool writes) {
  if (kind == "session") return !writes;
  if (kind == "approvals") return role == "security_officer";
  if (role == "admin") return true;
  // The reform office reads the reports (sharing, consistency) and nothing else; the DBA does
  // not read them, the security officer and the auditor do.
  if (role == "reform_office") return kind == "reports" && !writes;
  if (kind == "reports") return !writes && (role == "auditor" || role == "security_officer");
  if (role == "auditor") return !writes;
  if (kind == "changes") return !writes;
  if (role == "dba") return isDbaKind(kind);
  if (role == "security_officer") return kind == "clients" || kind == "policies";
  return false;
}

namespace {

// The error answer for what `thrown` says; sets the call's outcome to match.
HttpResponse failure(AdminCall& call, const std::exception& thrown) {
  if (const auto* error = dynamic_cast<const Error*>(&thrown)) {
    call.outcome = errorCodeName(error->code());
    if (!error->detail().empty()) {
      spdlog::warn("admin request {}: {}", call.requestId, logText(error->detail()));
    }
    return errorResponse(*error, call.requestId);
  }
  spdlog::error("admin request {}: {}", call.requestId, logText(thrown.what()));
  call.outcome = "internal";
  return errorResponse(Error(ErrorCode::Internal, "internal error"), call.requestId);
}

}  // namespace

struct AdminRouter::Endpoints {
  Endpoints(LiveConfiguration& live, CacheInvalidation& invalidation, StoreSync* sync)
      : documents(live, sync),
        review(live, sync),
        policyTools(live),
        sourceTools(live, probes),
        cache(live, invalidation),
        audit(live),
        reports(live),
        consistency(live),
        sourceStatus(live, probes),
        fieldGrants(live) {}

  // First: the source tools record into it and the status reads it.
  LastSourceProbes probes;
  DocumentEndpoints documents;
  ChangeReviewEndpoints review;
  PolicyToolEndpoints policyTools;
  SourceToolEndpoints sourceTools;
  CacheEndpoints cache;
  AuditEndpoints audit;
  ReportEndpoints reports;
  ConsistencyEndpoints consistency;
  SessionEndpoints session;
  SourceStatusEndpoints sourceStatus;
  FieldGrantEndpoints fieldGrants;

  std::vector<AdminRoute> routes() {
    std::vector<AdminRoute> all;
    for (auto group :
         {documents.routes(), review.routes(), policyTools.routes(), sourceTools.routes(),
          cache.routes(), audit.routes(), reports.routes(), consistency.routes(), session.routes(),
          sourceStatus.routes(), fieldGrants.routes()}) {
      std::move(group.begin(), group.end(), std::back_inserter(all));
    }
    return all;
  }
};

AdminRouter::AdminRouter(LiveConfiguration& live, AuditLog& audit, RefusalTally& refusals,
                         CacheInvalidation& invalidation, StoreSync* sync)
    : live_(live),
      audit_(audit),
      refusals_(refusals),
      endpoints_(std::make_unique<Endpoints>(live, invalidation, sync)),
      routes_(endpoints_->routes()),
      workers_(AdminWorkers::kThreads, AdminWorkers::kQueueBound) {}

AdminRouter::AdminRouter(LiveConfiguration& live, AuditLog& audit, RefusalTally& refusals,
                         std::vector<AdminRoute> routes, std::size_t threads,
                         std::size_t queueBound)
    : live_(live),
      audit_(audit),
      refusals_(refusals),
      routes_(std::move(routes)),
      workers_(threads, queueBound) {}

AdminRouter::~AdminRouter() { stop(); }

void AdminRouter::stop() { workers_.stop(); }

HttpResponse AdminRouter::refuse(const Error& error) {
  return errorResponse(error, newRequestId());
}

void AdminRouter::handle(HttpRequest request, Respond respond) {
  auto call = std::make_shared<AdminCall>();
  call->request = std::move(request);
  call->requestId = newRequestId();
  call->started = std::chrono::steady_clock::now();
  call->path = std::string(pathOf(call->request.target));

  // Whatever fails here is answered from this thread: a caller without a valid token, or asking
  // for what its role may not do, never takes a worker from those who may.
  try {
    authenticate(*call);
  } catch (const Error& e) {
    // Anyone can send these: counted per address (RefusalTally), never one record each, and
    // nothing the caller wrote (comment, path) reaches the trail before a token is valid.
    refusals_.count(call->request.remoteAddress, kPrefix);
    auto response = errorResponse(e, call->requestId);
    spdlog::info("request {} {} /admin/v1/ status={}", call->requestId, call->request.method,
                 response.status);
    return respond(std::move(response));
  }
  const AdminRoute* chosen = nullptr;
  try {
    chosen = &route(*call);
  } catch (const std::exception& e) {
    auto response = failure(*call, e);
    return finish(std::move(call), std::move(response), std::move(respond));
  }

  const auto admission =
      workers_.submit([this, call, chosen, respond] { run(call, *chosen, respond); });
  if (admission == AdminWorkers::Admission::Queued) return;
  if (admission == AdminWorkers::Admission::Full) {
    spdlog::warn("admin request {} refused: {} admin calls are already waiting", call->requestId,
                 AdminWorkers::kQueueBound);
  }
  auto response = failure(
      *call, Error(ErrorCode::Overloaded,
                   admission == AdminWorkers::Admission::Full
                       ? "too many admin calls are waiting; send the request again in a moment"
                       : "the gateway is shutting down; send the request again"));
  response.headers.emplace_back("Retry-After", std::to_string(kRetryAfter.count()));
  finish(std::move(call), std::move(response), std::move(respond));
}

void AdminRouter::authenticate(AdminCall& call) const {
  const std::string_view authorization = call.request.authorization;
  const auto snapshot = live_.current();
  if (snapshot != nullptr && authorization.size() > kBearer.size() &&
      authorization.starts_with(kBearer)) {
    const auto hash = sha256Hex(authorization.substr(kBearer.size()));
    // Every token is compared, so the time taken does not tell which one came close.
    for (const auto& token : snapshot->config.gateway.adminTokens) {
      if (constantTimeEquals(hash, token.tokenSha256) && call.tokenName.empty()) {
        call.tokenName = token.name;
        call.role = token.role;
      }
    }
  }
  if (call.tokenName.empty()) {
    throw Error(ErrorCode::Unauthenticated,
                "a valid admin token is required: Authorization: Bearer <token>");
  }
}

const AdminRoute& AdminRouter::route(AdminCall& call) const {
  const std::string_view path = call.path;
  if (path.starts_with(kPrefix)) call.segments = splitPath(path.substr(kPrefix.size()));
  int best = -1;
  for (const auto& candidate : routes_) best = std::max(best, candidate.fit(call.segments));
  if (best < 0) throw Error(ErrorCode::NotFound, "no such admin endpoint: " + call.path);
  const AdminRoute* chosen = nullptr;
  std::string allowed;
  for (const auto& candidate : routes_) {
    if (candidate.fit(call.segments) != best) continue;
    allowed += (allowed.empty() ? "" : ", ") + std::string(candidate.method);
    if (candidate.method == call.request.method && chosen == nullptr) chosen = &candidate;
  }
  if (chosen == nullptr) {
    throw Error(ErrorCode::MethodNotAllowed, "use " + allowed + " for " + call.path);
  }
  call.kind = chosen->kind.empty() ? call.segments[0] : std::string(chosen->kind);
  if (chosen->pattern.size() > 1 && chosen->pattern[1] == "{id}") call.id = call.segments[1];
  if (!roleAllows(call.role, call.kind, chosen->writes)) {
    throw Error(ErrorCode::Forbidden, "role '" + call.role + "' may not " +
                                          (chosen->writes ? "change " : "read ") + call.kind);
  }
  return *chosen;
}

void AdminRouter::run(const std::shared_ptr<AdminCall>& call, const AdminRoute& endpoint,
                      Respond respond) {
  HttpResponse response;
  try {
    response = endpoint.answer(*call);
  } catch (const std::exception& e) {
    response = failure(*call, e);
  }
  finish(call, std::move(response), std::move(respond));
}

void AdminRouter::finish(std::shared_ptr<AdminCall> call, HttpResponse response, Respond respond) {
  response.requestId = call->requestId;
  auto record = call->auditRecord(response.status);
  // An admin change has taken effect by now; its answer goes out even if the record could not
  // be written (the audit log reports that failure itself).
  audit_.append(std::move(record), [call = std::move(call), respond = std::move(respond),
                                    response = std::move(response)](bool /*recorded*/) mutable {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - call->started);
    spdlog::info("request {} {} {} status={} latency_us={}", call->requestId,
                 logText(call->request.method), logText(call->path), response.status,
                 micros.count());
    respond(std::move(response));
  });
}

}  // namespace oncegate
