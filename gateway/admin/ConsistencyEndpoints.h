#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LiveConfiguration;

// POST /admin/v1/reports/consistency: the 一数一源 check of one indicator over the subjects most
// recently asked about (ConsistencyCheck), for the reform office and the auditors. The run is
// audited with the indicator and the number of subjects read, never who they are.
class ConsistencyEndpoints {
 public:
  explicit ConsistencyEndpoints(LiveConfiguration& live);

  std::vector<AdminRoute> routes();

  // {"indicator":ID,"sample":N} (N 1..1000, default 50): the subjects come from the central
  // audit record with audit.store, else from this instance's trail. Runs on an admin worker and
  // may take each source's timeout per subject.
  HttpResponse check(AdminCall& call);

 private:
  LiveConfiguration& live_;
};

}  // namespace oncegate
