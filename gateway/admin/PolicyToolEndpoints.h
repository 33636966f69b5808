#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LiveConfiguration;

// /admin/v1/policies/explain and /admin/v1/policies/impact: why the policies in force decide
// what they do for one client, purpose and field, and what a proposed policy change would have
// decided for the requests the audit trail recorded.
class PolicyToolEndpoints {
 public:
  explicit PolicyToolEndpoints(LiveConfiguration& live);

  // POST policies/explain, POST policies/impact; they answer through this object.
  std::vector<AdminRoute> routes();

  // Body {"client","purpose","field"}.
  HttpResponse explain(AdminCall& call);
  // Body {"policies": [documents to put], "remove": [ids], "last": N, "since", "until"}.
  HttpResponse impact(AdminCall& call);

 private:
  LiveConfiguration& live_;
};

}  // namespace oncegate
