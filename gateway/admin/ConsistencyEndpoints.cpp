#include "gateway/admin/ConsistencyEndpoints.h"

#include <cstdint>
#include <string>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminRequestBody.h"
#include "gateway/reports/ConsistencyCheck.h"
#include "gateway/reports/RecentSubjects.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {

namespace {

struct ConsistencyRequest {
  std::string indicator;
  std::size_t sample = ConsistencyCheck::kDefaultSample;
};

ConsistencyRequest parseRequest(const std::string& body) {
  return AdminRequestBody::read(AdminRequestBody::parse(body), [](const ConfigNode& node) {
    node.allowOnlyKeys({"indicator", "sample"});
    ConsistencyRequest request;
    request.indicator = node.at("indicator").asString();
    if (auto sample = node.find("sample")) {
      try {
        request.sample = static_cast<std::size_t>(
            sample->asInt(1, static_cast<std::int64_t>(ConsistencyCheck::kMaxSample)));
      } catch (const Error&) {
        throw Error(ErrorCode::BadRequest, "sample must be a whole number from 1 to " +
                                               std::to_string(ConsistencyCheck::kMaxSample));
      }
    }
    return request;
  });
}

}  // namespace

ConsistencyEndpoints::ConsistencyEndpoints(LiveConfiguration& live) : live_(live) {}

std::vector<AdminRoute> ConsistencyEndpoints::routes() {
  return {{"POST",
           {"reports", "consistency"},
           "reports",
           false,
           AdminRoute::answeredBy(this, &ConsistencyEndpoints::check)}};
}

HttpResponse ConsistencyEndpoints::check(AdminCall& call) {
  const auto request = parseRequest(call.request.body);
  call.id = request.indicator;
  const auto snapshot = live_.current();
  const auto& catalog = snapshot->config.mappings;
  // Refused before the audit record is read: a wrong indicator costs nothing.
  const auto fields = ConsistencyCheck::fieldsOf(catalog, request.indicator);
  const auto& subjectType = catalog.subjectOf(*fields.authoritative).id();
  const auto& audit = snapshot->config.gateway.audit;
  std::vector<std::string> subjects;
  if (!audit.store.empty()) {
    odbc::OdbcClient store(audit.store, "audit store");
    subjects = RecentSubjects::fromStore(store, subjectType, request.sample);
  } else {
    subjects = RecentSubjects::fromTrail(audit.path, subjectType, request.sample);
  }
  const auto report = ConsistencyCheck::run(*snapshot, request.indicator, subjects);
  call.subjectsRead = static_cast<std::int64_t>(report.subjectsSampled);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("request_id").string(call.requestId);
  ConsistencyCheck::writeMembers(report, json);
  json.endObject();
  call.outcome = report.disagreements.empty() ? "consistent" : "disagreements";
  return response;
}

}  // namespace oncegate
