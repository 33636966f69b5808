#include "gateway/admin/ConfigurationWriter.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/LogText.h"
#include "common/YamlJson.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/FieldColumnCheck.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/StoreSync.h"
#include "mappings/Field.h"

namespace oncegate {

namespace {

std::string jsonOf(const ConfigNode& body) {
  std::string text;
  JsonWriter json(text);
  writeYamlAsJson(body.yaml(), json);
  return text;
}

}  // namespace

ConfigurationWriter::ConfigurationWriter(LiveConfiguration& live, StoreSync* sync)
    : live_(live), sync_(sync), store_(sync != nullptr ? &sync->store() : nullptr) {}

ConfigurationWriter::Written ConfigurationWriter::write(const AdminCall& call,
                                                        const std::optional<ConfigNode>& body,
                                                        const std::string& comment) {
  std::lock_guard lock(live_.changeMutex());
  const auto current = live_.current();
  // The new list is built by copying, never by assigning: a YAML::Node assignment writes
  // through to every node sharing it, which would change the snapshot in force.
  std::vector<ConfigDocument> documents;
  documents.reserve(current->config.documents.size() + 1);
  bool existed = false;
  for (const auto& document : current->config.documents) {
    if (document.kind != call.kind || document.id != call.id) {
      documents.push_back(document);
    } else if (!existed) {
      existed = true;
      if (body) documents.push_back(ConfigDocument{call.kind, call.id, *body});
    }
  }
  if (!existed && !body) {
    throw Error(ErrorCode::NotFound, "no " + call.kind + " with id '" + call.id + "'");
  }
  if (!existed) documents.push_back(ConfigDocument{call.kind, call.id, *body});

  // The whole is rebuilt and validated; a rejected change leaves the snapshot in force alone.
  auto next = buildConfiguration(current->config.gateway, std::move(documents));
  auto sources = live_.sourcesFor(next, current.get());
  if (body && (call.kind == "fields" || call.kind == "datasets")) {
    checkColumns(call, next, sources);
  }
  // Recorded before it is installed: a change the store did not keep never takes effect, so a
  // restart cannot undo what clients were already served.
  auto version = current->version;
  if (store_ != nullptr) {
    const auto recorded = record(call, body, comment);
    sync_->announce(recorded);
    // Another instance wrote in between, and this snapshot lacks its change: it keeps the version
    // it was built on, so that the next poll rebuilds it from the store, both changes included.
    if (recorded == current->version + 1) {
      version = recorded;
    } else {
      spdlog::info("admin change recorded as version {} after another instance's; catching up",
                   recorded);
    }
  }
  auto installed = live_.assemble(std::move(next), std::move(sources), version);
  live_.install(installed);
  spdlog::info("admin {} ({}) {} {} {}: version {}", call.tokenName, call.role,
               logText(call.request.method), logText(call.kind), logText(call.id), version);
  return Written{std::move(installed), existed};
}

void ConfigurationWriter::checkColumns(const AdminCall& call, const Configuration& next,
                                       const SourceSet& sources) const {
  std::vector<const Field*> fields;
  for (const auto& field : next.mappings.fields()) {
    if (call.kind == "fields" ? field.id() == call.id : field.dataset() == call.id) {
      fields.push_back(&field);
    }
  }
  const auto checked = FieldColumnCheck::run(next, sources, fields);
  for (const auto& dataset : checked.unchecked) {
    spdlog::warn(
        "admin {}: the source of dataset {} could not be asked for its columns; the "
        "change is not checked against the database",
        call.requestId, dataset);
  }
  if (checked.problems.empty()) return;
  std::string message;
  for (const auto& problem : checked.problems) message += (message.empty() ? "" : "\n") + problem;
  throw Error(ErrorCode::InvalidConfig, message);
}

std::uint64_t ConfigurationWriter::record(const AdminCall& call,
                                          const std::optional<ConfigNode>& body,
                                          const std::string& comment) {
  try {
    if (!body) return store_->remove(call.kind, call.id, call.tokenName, comment);
    return store_->put(call.kind, call.id, jsonOf(*body), call.tokenName, comment);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::BadRequest || e.code() == ErrorCode::NotFound) throw;
    throw Error(ErrorCode::SourceUnavailable,
                "the control store did not record the change, so nothing was changed; try again",
                "control store: " + e.message() + (e.detail().empty() ? "" : ": " + e.detail()),
                e.sqlstate());
  }
}

}  // namespace oncegate
