#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

class ApiHandler;
class AuditLog;

// The admin plane's HTTP side, /admin/v1/...: authenticates role tokens, lists, reads, puts and
// deletes configuration documents, explains policy decisions, and audits every call. A change is
// applied to a copy of the documents in force, the whole is rebuilt and validated, and only a
// valid result is installed as a new snapshot (requests in flight keep theirs).
class AdminApi {
 public:
  // Opens a live source for a new or changed source configuration (the composition root names
  // the concrete type).
  using SourceFactory = std::function<std::shared_ptr<Source>(const SourceConfig&)>;

  AdminApi(AuditLog& audit, SourceFactory makeSource);

  // Answers one /admin/v1 request through `respond`, once its audit record is written.
  // `gateway` holds the snapshot in force and takes the new one.
  void serve(const HttpRequest& request, const std::string& requestId, ApiHandler& gateway,
             HttpHandler::Respond respond);

 private:
  struct Call;
  HttpResponse answer(Call& call, ApiHandler& gateway);
  HttpResponse change(Call& call, ApiHandler& gateway);
  HttpResponse explain(Call& call, ApiHandler& gateway);

  AuditLog& audit_;
  SourceFactory makeSource_;
  // One change at a time: each is built on the snapshot the previous one installed.
  std::mutex changeMutex_;
};

}  // namespace oncegate
