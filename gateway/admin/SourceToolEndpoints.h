#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LastSourceProbes;
class LiveConfiguration;

// /admin/v1/sources/{id}/test and /admin/v1/datasets/{id}/dry-run: a DBA's tools against the
// department databases themselves, with the gateway's credentials, so they are for those who own
// sources and datasets (they count as changing them).
class SourceToolEndpoints {
 public:
  // Each test of a source in force is recorded in `probes` (the Sources page shows the last).
  SourceToolEndpoints(LiveConfiguration& live, LastSourceProbes& probes);

  // POST sources/{id}/test, POST datasets/{id}/dry-run; they answer through this object.
  std::vector<AdminRoute> routes();

  // No body: the source in force; a body: a proposed definition of it, tried before it is put.
  HttpResponse testSource(AdminCall& call);
  // Body {"subject": {"type", "<key>"}}: runs the dataset's queries, as a request would, without
  // the cache, and answers each step's SQL, parameters, row and fields.
  HttpResponse dryRun(AdminCall& call);

 private:
  LiveConfiguration& live_;
  LastSourceProbes& probes_;
};

}  // namespace oncegate
