#include "gateway/admin/SourceToolEndpoints.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <utility>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/LogText.h"
#include "connectors/SourceProbe.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminRequestBody.h"
#include "gateway/admin/LastSourceProbes.h"
#include "gateway/runtime/DatasetDryRun.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/SubjectType.h"

namespace oncegate {

namespace {

// A database's error as a DBA may see it: code, message and SQLSTATE. The driver's own text goes
// to the log under the request id, never into the answer: drivers quote the connection string,
// and one sent by a DBA may have been built to make a driver repeat some secret back.
void writeError(const Error& error, const std::string& requestId, JsonWriter& json) {
  json.beginObject().key("code").string(errorCodeName(error.code()));
  json.key("message").string(error.message());
  if (!error.sqlstate().empty()) json.key("sqlstate").string(error.sqlstate());
  json.endObject();
  if (!error.detail().empty()) {
    spdlog::warn("admin {}: {}: {}", requestId, logText(error.message()), logText(error.detail()));
  }
}

void writeStep(const DatasetDryRun::Step& step, const Configuration& config,
               const std::string& requestId, JsonWriter& json) {
  const auto& ran = *step.dataset;
  json.beginObject().key("dataset").string(ran.id()).key("source").string(ran.source());
  json.key("sql").string(ran.sql()).key("params").beginArray();
  for (const auto& param : step.params) {
    json.beginObject().key("name").string(param.name).key("from").string(param.from);
    json.key("type").string(valueKindName(param.value.kind())).key("value").value(param.value);
    json.endObject();
  }
  json.endArray().key("outcome").string(DatasetDryRun::outcomeName(step.outcome));
  json.key("ms").number(step.elapsed.count());
  if (step.outcome == DatasetDryRun::Step::Outcome::Skipped) {
    json.key("reason").string(step.skippedBecause);
  }
  if (step.error) {
    json.key("error");
    writeError(*step.error, requestId, json);
  }
  if (step.row) {
    json.key("row").beginObject();
    for (std::size_t i = 0; i < step.row->columns.size(); ++i) {
      json.key(step.row->columns[i]).value(step.row->values[i]);
    }
    json.endObject().key("fields").beginObject();
    for (const auto& field : config.mappings.fields()) {
      if (field.dataset() != ran.id()) continue;
      json.key(field.id());
      try {
        json.value(field.valueFrom(*step.row));
      } catch (const Error& e) {
        json.beginObject().key("error").string(e.message()).endObject();
      }
    }
    json.endObject();
  }
  json.endObject();
}

}  // namespace

SourceToolEndpoints::SourceToolEndpoints(LiveConfiguration& live, LastSourceProbes& probes)
    : live_(live), probes_(probes) {}

std::vector<AdminRoute> SourceToolEndpoints::routes() {
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"POST", {"sources", "{id}", "test"}, "sources", true, by(&SourceToolEndpoints::testSource)},
      {"POST", {"datasets", "{id}", "dry-run"}, "datasets", true, by(&SourceToolEndpoints::dryRun)},
  };
}

HttpResponse SourceToolEndpoints::testSource(AdminCall& call) {
  SourceConfig config;
  const bool inForce = AdminRequestBody::isEmpty(call.request.body);
  if (inForce) {
    const auto snapshot = live_.current();
    const SourceConfig* found = snapshot->config.source(call.id);
    if (found == nullptr) {
      throw Error(ErrorCode::NotFound, "no sources with id '" + call.id +
                                           "' (send its definition as the body to test it "
                                           "before registering it)");
    }
    config = *found;
  } else {
    const auto body = AdminRequestBody::parse(call.request.body);
    // An admin body: only the references gateway.yaml binds to this source resolve.
    const auto snapshot = live_.current();
    config = AdminRequestBody::read(body, [&](const ConfigNode& item) {
      return parseSource(item, secretReferencesFor(snapshot->config.gateway,
                                                   ConfigDocument{"sources", call.id, item}));
    });
    if (config.id != call.id) {
      throw Error(ErrorCode::BadRequest,
                  "the body's id must be '" + call.id + "', the id in the path");
    }
  }
  const auto probed = SourceProbe::run(config, live_.sourceFactory());
  // A proposed definition's test says nothing about the source in force.
  if (inForce) {
    LastSourceProbes::Probe last;
    last.at = std::chrono::system_clock::now();
    last.ok = probed.ok;
    last.connectMs = probed.withConnect.count();
    if (probed.ok) last.queryMs = probed.onOpenConnection.count();
    if (probed.error) last.errorCode = std::string(errorCodeName(probed.error->code()));
    probes_.record(config.id, std::move(last));
  }
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("source").string(probed.source).key("ok").boolean(probed.ok);
  json.key("connection").string(probed.connection);
  json.key("connect_ms").number(probed.withConnect.count());
  if (probed.ok) json.key("query_ms").number(probed.onOpenConnection.count());
  if (probed.error) {
    json.key("error");
    writeError(*probed.error, call.requestId, json);
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = probed.ok ? "reachable" : "unreachable";
  return response;
}

HttpResponse SourceToolEndpoints::dryRun(AdminCall& call) {
  const auto snapshot = live_.current();
  const auto& catalog = snapshot->config.mappings;
  const Dataset* dataset = catalog.dataset(call.id);
  if (dataset == nullptr) throw Error(ErrorCode::NotFound, "no datasets with id '" + call.id + "'");
  const auto& type = catalog.subjectOf(*dataset);
  call.subjectValue = AdminRequestBody::read(
      AdminRequestBody::parse(call.request.body), [&](const ConfigNode& body) {
        body.allowOnlyKeys({"subject"});
        return AdminRequestBody::subjectKey(body.at("subject"), type);
      });
  call.subjectType = type.id();
  call.subjectKey = type.key();

  const auto steps = DatasetDryRun::run(*snapshot, call.id, Value::string(call.subjectValue));
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("dataset").string(call.id).key("steps").beginArray();
  for (const auto& step : steps) {
    writeStep(step, snapshot->config, call.requestId, json);
    // Names and types only: the values identify a person.
    std::string logged;
    for (const auto& param : step.params) {
      logged += " " + param.name + ":" + std::string(valueKindName(param.value.kind()));
    }
    spdlog::info("admin dry run {} of dataset {} by {}: params{} -> {}", call.requestId,
                 logText(step.dataset->id()), call.tokenName, logText(logged),
                 DatasetDryRun::outcomeName(step.outcome));
  }
  json.endArray().key("cache").string("not used");
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "dry_run";
  return response;
}

}  // namespace oncegate
