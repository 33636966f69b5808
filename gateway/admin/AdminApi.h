#pragma once

#include <chrono>
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
#include "gateway/http/HttpExchange.h"

namespace oncegate {

class AuditLog;
class LiveConfiguration;
class SourceSet;
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
class AdminApi final : public HttpHandler {
 public:
  // How many admin calls run at once: a slow source test must not hold up every other call,
  // while changes still go one at a time (they take a lock).
  static constexpr int kWorkers = 2;

  // `live` holds the configuration in force and takes each change. `sync` (the control store)
  // may be null (no `store:` in gateway.yaml): changes then live in memory only, and history,
  // rollback and the change log answer 404. `invalidation` empties the cache requests use, on
  // every instance.
  AdminApi(LiveConfiguration& live, AuditLog& audit, CacheInvalidation& invalidation,
           StoreSync* sync = nullptr);
  ~AdminApi() override;  // stop()s
  // Runs the calls already taken to their end and takes no more (later ones are answered 503).
  void stop();
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Answers one /admin/v1 request through `respond`, once its audit record is written, from an
  // admin worker.
  void handle(HttpRequest request, Respond respond) override;
  HttpResponse refuse(const Error& error) override;

 private:
  struct Exchange {
    HttpRequest request;
    std::string requestId;
    std::chrono::steady_clock::time_point started;
  };
  struct Call;
  struct Applied;
  struct Route;
  void answerAndAudit(const std::shared_ptr<Exchange>& exchange, Respond respond);
  HttpResponse answer(Call& call);

  // One per route; each sets call.outcome.
  HttpResponse list(Call& call);
  HttpResponse read(Call& call);
  HttpResponse change(Call& call);
  HttpResponse history(Call& call);
  HttpResponse rollBack(Call& call);
  HttpResponse listChanges(Call& call);
  HttpResponse explain(Call& call);
  HttpResponse impact(Call& call);
  HttpResponse testSource(Call& call);
  HttpResponse dryRun(Call& call);
  HttpResponse invalidateCache(Call& call);
  HttpResponse queryAudit(Call& call);
  HttpResponse verifyAudit(Call& call);

  // Validates the whole with `body` put (or, when empty, the document removed), records it in the
  // store when there is one, and installs it.
  Applied apply(Call& call, const std::optional<ConfigNode>& body,
                const std::string& comment);
  // Rejects (InvalidConfig) a changed field, or a field of a changed dataset, whose column the
  // dataset's query does not return, when its source can be asked.
  void checkColumns(const Call& call, const Configuration& next, const SourceSet& sources);
  std::uint64_t record(const Call& call, const std::optional<ConfigNode>& body,
                       const std::string& comment);
  ControlStore& requireStore() const;

  void work();

  LiveConfiguration& live_;
  AuditLog& audit_;
  CacheInvalidation& invalidation_;
  StoreSync* sync_;
  ControlStore* store_;

  std::mutex queueMutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace oncegate
