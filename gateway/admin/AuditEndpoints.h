#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
struct GatewaySnapshot;
class LiveConfiguration;

// /admin/v1/audit and /admin/v1/audit/verify: the auditor's view of the audit trail, its records
// and whether their hash chain is intact. With audit.store the records come from the central
// audit record, every instance's; without it, from this instance's own file.
class AuditEndpoints {
 public:
  explicit AuditEndpoints(LiveConfiguration& live);

  // GET audit, POST audit/verify; they answer through this object.
  std::vector<AdminRoute> routes();

  // With audit.store: queryStore. Without: ?limit=&since=&until=&client=&route= over this
  // instance's file, the newest matching records first.
  HttpResponse query(AdminCall& call);
  HttpResponse verify(AdminCall& call);

 private:
  // ?subject=&subject_type=&case=&client=&department=&purpose=&field=&outcome=&since=&until=
  // &limit=&cursor=&format=json|jsonl|csv over the central audit record (AuditSearch), in time
  // order: {"records":[{"instance","seq","record"}],"next":CURSOR|null}, or one page of JSON
  // Lines or CSV with the next page's cursor in Oncegate-Next-Cursor. Runs on an admin worker.
  HttpResponse queryStore(AdminCall& call, const GatewaySnapshot& snapshot);

  LiveConfiguration& live_;
};

}  // namespace oncegate
