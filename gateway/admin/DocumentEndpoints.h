#pragma once

#include <string>
#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/admin/ConfigurationWriter.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class ControlStore;
class LiveConfiguration;
class StoreSync;

// /admin/v1/{kind}[/{id}[/history|/rollback]] and /admin/v1/changes: the configuration
// documents (list, read, put, delete), and with a control store their history, rollback and the
// change log. A document answers as the same object as in YAML, a source's passwords blanked.
class DocumentEndpoints {
 public:
  // `sync` may be null (no `store:` in gateway.yaml): changes then live in memory only, and
  // history, rollback and the change log answer 404.
  DocumentEndpoints(LiveConfiguration& live, StoreSync* sync);

  // GET changes, GET {kind}/{id}/history, POST {kind}/{id}/rollback, GET {kind},
  // GET/PUT/DELETE {kind}/{id}, in that order; they answer through this object.
  std::vector<AdminRoute> routes();

  HttpResponse list(AdminCall& call);
  HttpResponse read(AdminCall& call);
  // PUT (body: the document, its id the path's) or DELETE.
  HttpResponse change(AdminCall& call);
  HttpResponse history(AdminCall& call);
  // Body {"version": N}: puts the document as it was in version N.
  HttpResponse rollBack(AdminCall& call);
  // ?limit=N: the newest changes first, each with its diff against the version before it.
  // ?state=pending (approved, rejected, withdrawn, all): the changes that wait (waited) for a
  // security officer instead, newest first; a DBA sees only its own.
  HttpResponse listChanges(AdminCall& call);

 private:
  ControlStore& requireStore() const;
  HttpResponse listPending(AdminCall& call, const std::string& state);

  LiveConfiguration& live_;
  ConfigurationWriter writer_;
};

}  // namespace oncegate
