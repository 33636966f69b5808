#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LastSourceProbes;
class LiveConfiguration;

// GET /admin/v1/sources/status: every source in force with its health, breaker state, query
// latency and last connection test, from what the gateway already keeps (SourceStats,
// LastSourceProbes): nothing is sent to the databases. For the console's Sources page; whoever
// may read sources may read this.
class SourceStatusEndpoints {
 public:
  SourceStatusEndpoints(LiveConfiguration& live, const LastSourceProbes& probes);

  std::vector<AdminRoute> routes();

  HttpResponse status(AdminCall& call);

 private:
  LiveConfiguration& live_;
  const LastSourceProbes& probes_;
};

}  // namespace oncegate
