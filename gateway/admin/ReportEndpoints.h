#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LiveConfiguration;

// /admin/v1/reports/sharing: the reform office's sharing report (统一数据分析), from the central
// audit record when audit.store is configured, else from this instance's trail. Parses the
// query and renders the answer; the report itself is gateway/reports' work, which oncegatectl
// shares.
class ReportEndpoints {
 public:
  explicit ReportEndpoints(LiveConfiguration& live);

  // GET reports/sharing (role rule kind "reports", read).
  std::vector<AdminRoute> routes();

  // ?from=&to=&by=&interval=&format=json|csv (SharingReportParameters). Runs on an admin worker.
  HttpResponse sharing(AdminCall& call);

 private:
  LiveConfiguration& live_;
};

}  // namespace oncegate
