#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/admin/AdminWorkers.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class AuditLog;
class CacheInvalidation;
class LiveConfiguration;
class RefusalTally;
class StoreSync;

// The admin plane's HTTP side, /admin/v1/...: on the calling (I/O) thread it authenticates the
// role token, matches the route and checks the role, answering at once what fails there; only
// then does it queue the call on the admin workers, which run the endpoint. Every call with a
// valid token is audited (who, what, how it ended), refusals included, before it is answered;
// calls without one are counted in `refusals` (aggregated per address and interval).
//
// The endpoints themselves live in their groups: DocumentEndpoints, ChangeReviewEndpoints,
// PolicyToolEndpoints, SourceToolEndpoints, CacheEndpoints, AuditEndpoints, ReportEndpoints,
// ConsistencyEndpoints, SessionEndpoints, SourceStatusEndpoints and FieldGrantEndpoints.
class AdminRouter final : public HttpHandler {
 public:
  // Every endpoint group. `live` holds the configuration in force and takes each change; `sync`
  // (the control store) may be null (see DocumentEndpoints); `invalidation` empties the cache
  // requests use, on every instance.
  AdminRouter(LiveConfiguration& live, AuditLog& audit, RefusalTally& refusals,
              CacheInvalidation& invalidation, StoreSync* sync = nullptr);
  // Only `routes`, on `threads` workers with `queueBound` waiting calls at most (tests).
  AdminRouter(LiveConfiguration& live, AuditLog& audit, RefusalTally& refusals,
              std::vector<AdminRoute> routes, std::size_t threads, std::size_t queueBound);
  ~AdminRouter() override;  // stop()s
  AdminRouter(const AdminRouter&) = delete;
  AdminRouter& operator=(const AdminRouter&) = delete;

  // Runs the calls already queued to their end and queues no more (later ones are answered
  // 503 overloaded).
  void stop();

  // Answers one /admin/v1 request through `respond`, once its audit record is written: at once
  // when it is refused before queueing (404, 405, 403, 503), else from an admin worker; a 401
  // at once, counted in the refusal tally instead of a record of its own.
  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;

 private:
  struct Endpoints;

  // Sets call.tokenName and call.role, or throws Unauthenticated.
  void authenticate(AdminCall& call) const;
  // The route the call asks for (NotFound, MethodNotAllowed); sets call.kind and call.id, and
  // throws Forbidden when the call's role may not use it.
  const AdminRoute& route(AdminCall& call) const;
  void run(const std::shared_ptr<AdminCall>& call, const AdminRoute& endpoint, Respond respond);
  // Audits the call and then answers it.
  void finish(std::shared_ptr<AdminCall> call, HttpResponse response, Respond respond);

  LiveConfiguration& live_;
  AuditLog& audit_;
  RefusalTally& refusals_;
  std::unique_ptr<Endpoints> endpoints_;  // null when constructed with routes only
  std::vector<AdminRoute> routes_;
  // Last: destroyed first, so that no worker still runs a route while they go.
  AdminWorkers workers_;
};

}  // namespace oncegate
