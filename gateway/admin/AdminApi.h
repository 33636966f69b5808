#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/SourceSet.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

class ApiHandler;
class AuditLog;
class CacheInvalidation;
class ControlStore;
struct Configuration;
class StoreSync;

// The admin plane's HTTP side, /admin/v1/...: authenticates role tokens, lists, reads, puts and
// deletes configuration documents, tests sources, dry-runs datasets, explains policy decisions and
// replays them under a proposal, invalidates the cache, answers the auditor, and audits every
// call. A change is applied to a copy of the documents in force, the whole is rebuilt and
// validated, and only a valid result is installed as a new snapshot (requests in flight keep
// theirs). With a control store, a valid change is recorded there first (a new version) and only
// then installed; the store also answers history, rollback and the change log.
//
// Admin calls block (the store, a source being tested, Redis), so they run on workers of their
// own, never on the HTTP I/O threads.
class AdminApi {
 public:
  // How many admin calls run at once: a slow source test must not hold up every other call,
  // while changes still go one at a time (they take a lock).
  static constexpr int kWorkers = 2;

  // `sync` (the control store and the lock every snapshot change takes) may be null (no `store:`
  // in gateway.yaml): changes then live in memory only, and history, rollback and the change log
  // answer 404. `invalidation` empties the cache requests use, on every instance.
  AdminApi(AuditLog& audit, SourceSet::Factory openSource, CacheInvalidation& invalidation,
           StoreSync* sync = nullptr);
  ~AdminApi();  // stop()s
  // Runs the calls already taken to their end and takes no more; the ApiHandler given to serve()
  // must outlive this.
  void stop();
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Answers one /admin/v1 request through `respond`, once its audit record is written, from an
  // admin worker. `request` must stay alive until `respond` runs. `gateway` holds the snapshot in
  // force and takes the new one.
  void serve(const HttpRequest& request, const std::string& requestId, ApiHandler& gateway,
             HttpHandler::Respond respond);

 private:
  struct Call;
  struct Applied;
  struct Route;
  void answerAndAudit(const HttpRequest& request, const std::string& requestId, ApiHandler& gateway,
                      HttpHandler::Respond respond);
  HttpResponse answer(Call& call, ApiHandler& gateway);

  // One per route; each sets call.outcome.
  HttpResponse list(Call& call, ApiHandler& gateway);
  HttpResponse read(Call& call, ApiHandler& gateway);
  HttpResponse change(Call& call, ApiHandler& gateway);
  HttpResponse history(Call& call, ApiHandler& gateway);
  HttpResponse rollBack(Call& call, ApiHandler& gateway);
  HttpResponse listChanges(Call& call, ApiHandler& gateway);
  HttpResponse explain(Call& call, ApiHandler& gateway);
  HttpResponse impact(Call& call, ApiHandler& gateway);
  HttpResponse testSource(Call& call, ApiHandler& gateway);
  HttpResponse dryRun(Call& call, ApiHandler& gateway);
  HttpResponse invalidateCache(Call& call, ApiHandler& gateway);
  HttpResponse queryAudit(Call& call, ApiHandler& gateway);
  HttpResponse verifyAudit(Call& call, ApiHandler& gateway);

  // Validates the whole with `body` put (or, when empty, the document removed), records it in the
  // store when there is one, and installs it.
  Applied apply(Call& call, ApiHandler& gateway, const std::optional<ConfigNode>& body,
                const std::string& comment);
  // Rejects (InvalidConfig) a changed field, or a field of a changed dataset, whose column the
  // dataset's query does not return, when its source can be asked.
  void checkColumns(const Call& call, const Configuration& next, const SourceSet& sources);
  std::uint64_t record(const Call& call, const std::optional<ConfigNode>& body,
                       const std::string& comment);
  ControlStore& requireStore() const;

  void work();

  AuditLog& audit_;
  SourceSet::Factory openSource_;
  CacheInvalidation& invalidation_;
  StoreSync* sync_;
  ControlStore* store_;
  // One change at a time: each is built on the snapshot the previous one installed. With a
  // store, the StoreSync's lock is taken instead, as its poll installs snapshots too.
  std::mutex changeMutex_;

  std::mutex queueMutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace oncegate
