#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LiveConfiguration;

// /admin/v1/audit and /admin/v1/audit/verify: the auditor's view of this instance's audit
// trail, its records and whether their hash chain is intact.
class AuditEndpoints {
 public:
  explicit AuditEndpoints(LiveConfiguration& live);

  // GET audit, POST audit/verify; they answer through this object.
  std::vector<AdminRoute> routes();

  // ?limit=&since=&until=&client=&route=: the newest matching records first.
  HttpResponse query(AdminCall& call);
  HttpResponse verify(AdminCall& call);

 private:
  LiveConfiguration& live_;
};

}  // namespace oncegate
