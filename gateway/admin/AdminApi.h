#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/ConfigNode.h"
#include "gateway/SourceSet.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

class ApiHandler;
class AuditLog;
class ControlStore;
class StoreSync;

// The admin plane's HTTP side, /admin/v1/...: authenticates role tokens, lists, reads, puts and
// deletes configuration documents, explains policy decisions, and audits every call. A change is
// applied to a copy of the documents in force, the whole is rebuilt and validated, and only a
// valid result is installed as a new snapshot (requests in flight keep theirs). With a control
// store, a valid change is recorded there first (a new version) and only then installed; the
// store also answers policy history, rollback and the change log.
class AdminApi {
 public:
  // `sync` (the control store and the lock every snapshot change takes) may be null (no `store:`
  // in gateway.yaml): changes then live in memory only, and history, rollback and the change log
  // answer 404.
  AdminApi(AuditLog& audit, SourceSet::Factory openSource, StoreSync* sync = nullptr);

  // Answers one /admin/v1 request through `respond`, once its audit record is written.
  // `gateway` holds the snapshot in force and takes the new one.
  void serve(const HttpRequest& request, const std::string& requestId, ApiHandler& gateway,
             HttpHandler::Respond respond);

 private:
  struct Call;
  struct Applied;
  HttpResponse answer(Call& call, ApiHandler& gateway);
  HttpResponse change(Call& call, ApiHandler& gateway);
  HttpResponse explain(Call& call, ApiHandler& gateway);
  HttpResponse history(Call& call);
  HttpResponse rollBack(Call& call, ApiHandler& gateway);
  HttpResponse listChanges(Call& call, ApiHandler& gateway);
  // Validates the whole with `body` put (or, when empty, the document removed), records it in the
  // store when there is one, and installs it.
  Applied apply(Call& call, ApiHandler& gateway, const std::optional<ConfigNode>& body,
                const std::string& comment);
  std::uint64_t record(const Call& call, const std::optional<ConfigNode>& body,
                       const std::string& comment);
  ControlStore& requireStore() const;

  AuditLog& audit_;
  SourceSet::Factory openSource_;
  StoreSync* sync_;
  ControlStore* store_;
  // One change at a time: each is built on the snapshot the previous one installed. With a
  // store, the StoreSync's lock is taken instead, as its poll installs snapshots too.
  std::mutex changeMutex_;
};

}  // namespace oncegate
