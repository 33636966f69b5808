#include "gateway/admin/ConfigurationWriter.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>
#include <vector>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/LogText.h"
#include "common/YamlJson.h"
#include "gateway/admin/AccessWidening.h"
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

// The documents in force with kind/id put as `body`, or removed when there is none; `existed`
// says whether it was there. Built by copying, never by assigning: a YAML::Node assignment
// writes through to every node sharing it, which would change the snapshot in force.
std::vector<ConfigDocument> withDocument(const std::vector<ConfigDocument>& current,
                                         const std::string& kind, const std::string& id,
                                         const std::optional<ConfigNode>& body, bool& existed) {
  std::vector<ConfigDocument> documents;
  documents.reserve(current.size() + 1);
  existed = false;
  for (const auto& document : current) {
    if (document.kind != kind || document.id != id) {
      documents.push_back(document);
    } else if (!existed) {
      existed = true;
      if (body) documents.push_back(ConfigDocument{kind, id, *body});
    }
  }
  if (!existed && body) documents.push_back(ConfigDocument{kind, id, *body});
  return documents;
}

// Whether a change is tested for widening: clients and policies are the security officer's own
// duty, and a security officer's change needs no second security officer.
bool reviewed(const AdminCall& call) {
  return call.role != "security_officer" && call.kind != "clients" && call.kind != "policies";
}

}  // namespace

ConfigurationWriter::ConfigurationWriter(LiveConfiguration& live, StoreSync* sync)
    : live_(live), sync_(sync), store_(sync != nullptr ? &sync->store() : nullptr) {}

ConfigurationWriter::Written ConfigurationWriter::write(const AdminCall& call,
                                                        const std::optional<ConfigNode>& body,
                                                        const std::string& comment) {
  std::lock_guard lock(live_.changeMutex());
  const auto current = live_.current();
  bool existed = false;
  auto documents = withDocument(current->config.documents, call.kind, call.id, body, existed);
  if (!existed && !body) {
    throw Error(ErrorCode::NotFound, "no " + call.kind + " with id '" + call.id + "'");
  }

  // The whole is rebuilt and validated; a rejected change leaves the snapshot in force alone.
  auto next = buildConfiguration(current->config.gateway, std::move(documents));
  auto sources = live_.sourcesFor(next, current.get());
  if (body && (call.kind == "fields" || call.kind == "datasets")) {
    checkColumns(call, call.kind, call.id, next, sources);
  }
  if (reviewed(call)) {
    const auto widening =
        AccessWidening::between(current->config, next, std::chrono::system_clock::now());
    if (widening.widens()) return Written{current, existed, propose(call, body, comment, widening)};
  }
  std::optional<std::uint64_t> recorded;
  if (store_ != nullptr) recorded = record(call, body, comment);
  return Written{
      install(call, current, std::move(next), std::move(sources), recorded), existed, {}};
}

ConfigurationWriter::Written ConfigurationWriter::approve(const AdminCall& call,
                                                          const PendingChange& change,
                                                          const std::string& comment) {
  if (store_ == nullptr) throw Error(ErrorCode::NotFound, "there are no pending changes");
  std::lock_guard lock(live_.changeMutex());
  const auto current = live_.current();
  std::optional<ConfigNode> body;
  if (!change.removal) {
    body = ConfigNode::parse(change.body, "pending change " + std::to_string(change.id));
  }
  bool existed = false;
  auto documents =
      withDocument(current->config.documents, change.kind, change.documentId, body, existed);
  if (!existed && !body) {
    throw Error(ErrorCode::Conflict, "there is no " + change.kind + " '" + change.documentId +
                                         "' to remove any more; the change stays pending");
  }
  // Validated again against what is in force now, which may differ from what the author saw.
  auto next = buildConfiguration(current->config.gateway, std::move(documents));
  auto sources = live_.sourcesFor(next, current.get());
  if (body && (change.kind == "fields" || change.kind == "datasets")) {
    checkColumns(call, change.kind, change.documentId, next, sources);
  }
  std::uint64_t recorded = 0;
  try {
    recorded = store_->approvePendingChange(change.id, call.tokenName, comment);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Conflict || e.code() == ErrorCode::NotFound ||
        e.code() == ErrorCode::BadRequest) {
      throw;
    }
    throw Error(ErrorCode::SourceUnavailable,
                "the control store did not record the approval, so nothing was changed; try again",
                "control store: " + e.message() + (e.detail().empty() ? "" : ": " + e.detail()),
                e.sqlstate());
  }
  spdlog::info("admin {} ({}) approved pending change {} ({} {} by {})", call.tokenName, call.role,
               change.id, logText(change.kind), logText(change.documentId), change.author);
  return Written{
      install(call, current, std::move(next), std::move(sources), recorded), existed, {}};
}

std::shared_ptr<const GatewaySnapshot> ConfigurationWriter::install(
    const AdminCall& call, const std::shared_ptr<const GatewaySnapshot>& current,
    Configuration next, SourceSet sources, std::optional<std::uint64_t> recorded) {
  // Recorded before it is installed: a change the store did not keep never takes effect, so a
  // restart cannot undo what clients were already served.
  auto version = current->version;
  if (recorded) {
    sync_->announce(*recorded);
    // Another instance wrote in between, and this snapshot lacks its change: it keeps the version
    // it was built on, so that the next poll rebuilds it from the store, both changes included.
    if (*recorded == current->version + 1) {
      version = *recorded;
    } else {
      spdlog::info("admin change recorded as version {} after another instance's; catching up",
                   *recorded);
    }
  }
  auto installed = live_.assemble(std::move(next), std::move(sources), version);
  live_.install(installed);
  spdlog::info("admin {} ({}) {} {} {}: version {}", call.tokenName, call.role,
               logText(call.request.method), logText(call.kind), logText(call.id), version);
  return installed;
}

PendingChange ConfigurationWriter::propose(const AdminCall& call,
                                           const std::optional<ConfigNode>& body,
                                           const std::string& comment,
                                           const AccessWidening& widening) {
  if (store_ == nullptr) {
    throw Error(ErrorCode::Forbidden,
                "this change widens who may read (" + widening.reasons.front() +
                    "), so it needs a security officer's approval, and pending changes are kept "
                    "in the control store: set store: in gateway.yaml, or have the operator "
                    "make the change in the configuration files");
  }
  PendingChange change;
  change.kind = call.kind;
  change.documentId = call.id;
  change.removal = !body;
  if (body) change.body = jsonOf(*body);
  change.author = call.tokenName;
  change.comment = comment;
  change.reasons = widening.reasons;
  try {
    const auto id = store_->propose(change);
    // As the store holds it: its time and base version are the store's.
    if (auto held = store_->pendingChange(id)) change = std::move(*held);
    change.id = id;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::BadRequest) throw;
    throw Error(ErrorCode::SourceUnavailable,
                "the control store did not keep the pending change, so nothing was changed; try "
                "again",
                "control store: " + e.message() + (e.detail().empty() ? "" : ": " + e.detail()),
                e.sqlstate());
  }
  if (change.state.empty()) change.state = "pending";
  spdlog::info("admin {} ({}) {} {} {}: pending change {} awaits a security officer",
               call.tokenName, call.role, logText(call.request.method), logText(call.kind),
               logText(call.id), change.id);
  return change;
}

void ConfigurationWriter::checkColumns(const AdminCall& call, const std::string& kind,
                                       const std::string& id, const Configuration& next,
                                       const SourceSet& sources) const {
  std::vector<const Field*> fields;
  for (const auto& field : next.mappings.fields()) {
    if (kind == "fields" ? field.id() == id : field.dataset() == id) {
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
