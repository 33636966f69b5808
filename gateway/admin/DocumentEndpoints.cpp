#include "gateway/admin/DocumentEndpoints.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"
#include "connectors/SourceConfig.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminJsonPieces.h"
#include "gateway/admin/AdminRequestBody.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/DocumentDiff.h"

namespace oncegate {

namespace {

// Success statuses of a change (errors take theirs from their ErrorCode).
constexpr unsigned kReplaced = 200;
constexpr unsigned kCreated = 201;
constexpr unsigned kDeleted = 204;
// A change that widens who may read: accepted, waiting for a security officer.
constexpr unsigned kPending = 202;
// The change log answers the newest entries first, this many unless ?limit= says otherwise.
constexpr long long kDefaultChangesListed = 100;
constexpr long long kMaxChangesListed = 10000;

// "policies" -> "policy", "sources" -> "source": the key a history entry holds its document in.
std::string singular(std::string_view kind) {
  if (kind.ends_with("ies")) return std::string(kind.substr(0, kind.size() - 3)) + "y";
  return std::string(kind.substr(0, kind.size() - 1));
}

// A stored body as the object it holds; the origin names the version if it ever fails to parse.
ConfigNode storedBody(const StoredDocument& stored) {
  return ConfigNode::parse(
      stored.body, "store:" + stored.kind + "/" + stored.id + "@" + std::to_string(stored.version));
}

// A document as JSON, the same object as in YAML; a source's connection string with its
// passwords blanked.
void writeDocument(std::string_view kind, const ConfigNode& body, JsonWriter& json) {
  const auto& yaml = body.yaml();
  if (kind != "sources" || !yaml.IsMap()) {
    writeYamlAsJson(yaml, json);
    return;
  }
  json.beginObject();
  for (const auto& entry : yaml) {
    const auto& key = entry.first.Scalar();
    json.key(key);
    if ((key == "odbc" || key == "postgresql") && entry.second.IsScalar()) {
      json.string(redactConnectionString(entry.second.Scalar()));
    } else {
      writeYamlAsJson(entry.second, json);
    }
  }
  json.endObject();
}

const ConfigDocument* findDocument(const GatewaySnapshot& snapshot, std::string_view kind,
                                   std::string_view id) {
  for (const auto& document : snapshot.config.documents) {
    if (document.kind == kind && document.id == id) return &document;
  }
  return nullptr;
}

// The answer to a change that waits for a security officer's approval.
HttpResponse pendingAnswer(AdminCall& call, const PendingChange& change) {
  HttpResponse response;
  response.status = kPending;
  JsonWriter json(response.body);
  json.beginObject();
  AdminJsonPieces::writePendingChange(change, json);
  json.key("message").string(
      "this change widens who may read, so it takes effect only once a security officer "
      "approves it: see GET /admin/v1/changes/" +
      std::to_string(change.id));
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "pending";
  call.change = std::to_string(change.id);
  return response;
}

}  // namespace

DocumentEndpoints::DocumentEndpoints(LiveConfiguration& live, StoreSync* sync)
    : live_(live), writer_(live, sync) {}

std::vector<AdminRoute> DocumentEndpoints::routes() {
  // Everyone may read the change log (who changed what, never a value): its own role kind.
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"GET", {"changes"}, "changes", false, by(&DocumentEndpoints::listChanges)},
      {"GET", {"{kind}", "{id}", "history"}, "", false, by(&DocumentEndpoints::history)},
      {"POST", {"{kind}", "{id}", "rollback"}, "", true, by(&DocumentEndpoints::rollBack)},
      {"GET", {"{kind}"}, "", false, by(&DocumentEndpoints::list)},
      {"GET", {"{kind}", "{id}"}, "", false, by(&DocumentEndpoints::read)},
      {"PUT", {"{kind}", "{id}"}, "", true, by(&DocumentEndpoints::change)},
      {"DELETE", {"{kind}", "{id}"}, "", true, by(&DocumentEndpoints::change)},
  };
}

HttpResponse DocumentEndpoints::list(AdminCall& call) {
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("items").beginArray();
  for (const auto& document : live_.current()->config.documents) {
    if (document.kind == call.kind) writeDocument(document.kind, document.body, json);
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse DocumentEndpoints::read(AdminCall& call) {
  const auto snapshot = live_.current();
  const auto* document = findDocument(*snapshot, call.kind, call.id);
  if (document == nullptr) {
    throw Error(ErrorCode::NotFound, "no " + call.kind + " with id '" + call.id + "'");
  }
  HttpResponse response;
  JsonWriter json(response.body);
  writeDocument(document->kind, document->body, json);
  call.outcome = "read";
  return response;
}

HttpResponse DocumentEndpoints::change(AdminCall& call) {
  std::optional<ConfigNode> body;
  if (call.request.method == "PUT") {
    body = AdminRequestBody::parse(call.request.body);
    const auto id = body->find("id");
    if (!id || !id->isScalar() || id->yaml().Scalar() != call.id) {
      throw Error(ErrorCode::BadRequest,
                  "the body's id must be '" + call.id + "', the id in the path");
    }
  }

  const auto written = writer_.write(call, body, call.request.changeComment);
  if (written.pending) return pendingAnswer(call, *written.pending);
  HttpResponse response;
  if (!body) {
    response.status = kDeleted;
    call.outcome = "deleted";
    return response;
  }
  response.status = written.existed ? kReplaced : kCreated;
  call.outcome = written.existed ? "replaced" : "created";
  JsonWriter json(response.body);
  writeDocument(call.kind, findDocument(*written.snapshot, call.kind, call.id)->body, json);
  return response;
}

HttpResponse DocumentEndpoints::listPending(AdminCall& call, const std::string& state) {
  const auto& states = ControlStore::pendingStates();
  if (state != "all" && std::find(states.begin(), states.end(), state) == states.end()) {
    throw Error(ErrorCode::BadRequest,
                "state must be pending, approved, rejected, withdrawn or all, not '" + state + "'");
  }
  const auto changes = requireStore().pendingChanges(state == "all" ? "" : state);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("state").string(state).key("changes").beginArray();
  for (const auto& change : changes) {
    // A DBA sees the changes it proposed; the officers and auditors who review them see all.
    if (call.role == "dba" && change.author != call.tokenName) continue;
    json.beginObject();
    AdminJsonPieces::writePendingChange(change, json);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

ControlStore& DocumentEndpoints::requireStore() const {
  if (writer_.store() == nullptr) {
    throw Error(ErrorCode::NotFound,
                "history, rollback and the change log need a control store: set store: (an "
                "ODBC connection string) in gateway.yaml");
  }
  return *writer_.store();
}

HttpResponse DocumentEndpoints::history(AdminCall& call) {
  const auto versions = requireStore().history(call.kind, call.id);
  if (versions.empty()) {
    throw Error(ErrorCode::NotFound,
                "no " + call.kind + " with id '" + call.id + "' was ever stored");
  }
  const auto member = singular(call.kind);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("versions").beginArray();
  for (const auto& stored : versions) {  // newest first
    json.beginObject().key("version").integer(static_cast<std::int64_t>(stored.version));
    json.key("author").string(stored.author).key("time").string(stored.time);
    json.key("comment").string(stored.comment).key("deleted").boolean(stored.deleted);
    // A removal keeps the body the document had before it.
    json.key(member);
    writeDocument(call.kind, storedBody(stored), json);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse DocumentEndpoints::rollBack(AdminCall& call) {
  auto& store = requireStore();
  const auto wanted = AdminRequestBody::read(
      AdminRequestBody::parse(call.request.body), [](const ConfigNode& body) {
        body.allowOnlyKeys({"version"});
        return body.at("version").asInt(1, std::numeric_limits<std::int64_t>::max());
      });
  const auto versions = store.history(call.kind, call.id);
  const auto found = std::find_if(versions.begin(), versions.end(), [&](const auto& stored) {
    return static_cast<std::int64_t>(stored.version) == wanted;
  });
  if (found == versions.end()) {
    throw Error(ErrorCode::NotFound, call.kind + " '" + call.id + "' has no version " +
                                         std::to_string(wanted) + " (see its history)");
  }
  if (found->deleted) {
    throw Error(ErrorCode::BadRequest, "version " + std::to_string(wanted) + " removed " +
                                           call.kind + " '" + call.id +
                                           "'; roll back to a version that holds it");
  }
  const std::string comment = call.request.changeComment.empty()
                                  ? "rollback to version " + std::to_string(wanted)
                                  : call.request.changeComment;
  const auto written = writer_.write(call, storedBody(*found), comment);
  if (written.pending) return pendingAnswer(call, *written.pending);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("version").integer(static_cast<std::int64_t>(written.snapshot->version));
  json.key("rolled_back_to").integer(wanted).key(singular(call.kind));
  writeDocument(call.kind, findDocument(*written.snapshot, call.kind, call.id)->body, json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "rolled_back";
  return response;
}

HttpResponse DocumentEndpoints::listChanges(AdminCall& call) {
  const auto query = QueryParameters::parse(call.request.target);
  query.allowOnly({"limit", "state"});
  if (const auto state = query.find("state")) return listPending(call, *state);
  const auto limit = query.integer("limit", kDefaultChangesListed, 1, kMaxChangesListed);
  const auto changes = requireStore().changes();  // oldest first

  // Each change against the version of the same document before it.
  struct Entry {
    const StoredDocument* stored;
    std::string action;
    DocumentDiff diff;
  };
  std::vector<Entry> entries;
  entries.reserve(changes.size());
  std::map<std::pair<std::string, std::string>, const StoredDocument*> latest;
  for (const auto& stored : changes) {
    auto& previous = latest[{stored.kind, stored.id}];
    Entry entry{&stored, {}, {}};
    if (stored.deleted) {
      entry.action = "removed";
    } else if (previous == nullptr || previous->deleted) {
      entry.action = "created";
    } else {
      entry.action = "changed";
      entry.diff = DocumentDiff::between(previous->body, stored.body);
    }
    previous = &stored;
    entries.push_back(std::move(entry));
  }

  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("version").integer(static_cast<std::int64_t>(live_.current()->version));
  json.key("changes").beginArray();
  // Newest first, as history; the documents of one version stay in kind, id order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.stored->version > b.stored->version;
  });
  const auto listed = std::min<std::size_t>(entries.size(), static_cast<std::size_t>(limit));
  for (std::size_t i = 0; i < listed; ++i) {
    const auto& stored = *entries[i].stored;
    json.beginObject().key("version").integer(static_cast<std::int64_t>(stored.version));
    json.key("author").string(stored.author).key("time").string(stored.time);
    json.key("kind").string(stored.kind).key("id").string(stored.id);
    json.key("comment").string(stored.comment).key("deleted").boolean(stored.deleted);
    json.key("action").string(entries[i].action);
    if (entries[i].action == "changed") {
      json.key("diff").beginObject();
      AdminJsonPieces::writeKeys("added", entries[i].diff.added, json);
      AdminJsonPieces::writeKeys("removed", entries[i].diff.removed, json);
      AdminJsonPieces::writeKeys("changed", entries[i].diff.changed, json);
      json.endObject();
    }
    json.endObject();
  }
  json.endArray().key("truncated").boolean(listed < entries.size());
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

}  // namespace oncegate
