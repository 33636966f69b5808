#include "gateway/admin/ReportEndpoints.h"

#include <chrono>
#include <string>

#include "gateway/admin/AdminCall.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/reports/ConfiguredRecordFeed.h"
#include "gateway/reports/SharingReportAccumulator.h"
#include "gateway/reports/SharingReportParameters.h"
#include "gateway/reports/SharingReportRendering.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"

namespace oncegate {

ReportEndpoints::ReportEndpoints(LiveConfiguration& live) : live_(live) {}

std::vector<AdminRoute> ReportEndpoints::routes() {
  return {
      {"GET",
       {"reports", "sharing"},
       "reports",
       false,
       AdminRoute::answeredBy(this, &ReportEndpoints::sharing)},
  };
}

HttpResponse ReportEndpoints::sharing(AdminCall& call) {
  const auto query = QueryParameters::parse(call.request.target);
  query.allowOnly({"from", "to", "by", "interval", "format"});
  const auto parameters =
      SharingReportParameters::parse([&query](std::string_view name) { return query.find(name); },
                                     std::chrono::system_clock::now());
  // The snapshot in force names the fields' datasets and the forms' documents, and says where
  // the records are.
  const auto snapshot = live_.current();
  const auto feed = configuredRecordFeed(snapshot->config.gateway);
  const auto report =
      SharingReportAccumulator::compute(parameters, snapshot->config.mappings, *feed);
  HttpResponse response;
  if (parameters.format == SharingReportParameters::Format::Csv) {
    response.contentType = "text/csv; charset=utf-8";
    response.body = SharingReportRendering::csv(report);
  } else {
    response.body = SharingReportRendering::json(report, call.requestId);
  }
  call.outcome = "reported";
  return response;
}

}  // namespace oncegate
