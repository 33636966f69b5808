#include "gateway/admin/AdminApi.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/YamlJson.h"
#include "gateway/GatewaySnapshot.h"
#include "gateway/PolicyExplanation.h"
#include "gateway/StoreSync.h"
#include "gateway/UtcTimestamp.h"
#include "gateway/api/ApiHandler.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/http/HttpStatusMapping.h"
#include "gateway/store/ControlStore.h"
#include "policies/MaskKind.h"

namespace oncegate {

namespace {

constexpr std::string_view kPrefix = "/admin/v1/";
constexpr std::string_view kBodyOrigin = "request body";

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::vector<std::string> splitPath(std::string_view rest) {
  std::vector<std::string> segments;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    segments.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

bool isDbaKind(std::string_view kind) {
  return kind == "sources" || kind == "subjects" || kind == "datasets" || kind == "fields" ||
         kind == "forms";
}

// The roles of admin.tokens: each owns some kinds of document; the auditor reads everything.
bool roleAllows(std::string_view role, std::string_view kind, bool writes) {
  if (role == "admin") return true;
  if (role == "auditor") return !writes;
  if (role == "dba") return isDbaKind(kind);
  if (role == "security_officer") return kind == "clients" || kind == "policies";
  return false;
}

void requireRole(std::string_view role, std::string_view kind, bool writes) {
  if (!roleAllows(role, kind, writes)) {
    throw Error(ErrorCode::Forbidden, "role '" + std::string(role) + "' may not " +
                                          (writes ? "change " : "read ") + std::string(kind));
  }
}

std::string jsonOf(const ConfigNode& body) {
  std::string text;
  JsonWriter json(text);
  writeYamlAsJson(body.yaml(), json);
  return text;
}

// A stored body as the object it holds; the origin names the version if it ever fails to parse.
ConfigNode storedBody(const StoredDocument& stored) {
  return ConfigNode::parse(
      stored.body, "store:" + stored.kind + "/" + stored.id + "@" + std::to_string(stored.version));
}

// A document as JSON, the same object as in YAML; a source's connection string with its
// passwords blanked.
void writeDocument(const ConfigDocument& document, JsonWriter& json) {
  const auto& yaml = document.body.yaml();
  if (document.kind != "sources" || !yaml.IsMap()) {
    writeYamlAsJson(yaml, json);
    return;
  }
  json.beginObject();
  for (const auto& entry : yaml) {
    const auto& key = entry.first.Scalar();
    json.key(key);
    if (key == "odbc" && entry.second.IsScalar()) {
      json.string(redactConnectionString(entry.second.Scalar()));
    } else {
      writeYamlAsJson(entry.second, json);
    }
  }
  json.endObject();
}

// A JSON body read through the configuration schema tools; any problem is the caller's (400).
ConfigNode parseBody(const std::string& body) {
  try {
    auto node = ConfigNode::parse(body, std::string(kBodyOrigin));
    if (!node.isMap()) throw Error(ErrorCode::BadRequest, "the body must be a JSON object");
    return node;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidConfig) throw;
    throw Error(ErrorCode::BadRequest, "malformed request body: " + e.message());
  }
}

HttpResponse errorResponse(const Error& error, const std::string& requestId) {
  HttpResponse response;
  response.status = httpStatusFor(error.code());
  JsonWriter json(response.body);
  json.beginObject().key("error").string(errorCodeName(error.code()));
  json.key("message").string(error.message());
  if (error.code() == ErrorCode::InvalidConfig) {
    // The loader reports every problem of the whole, one per line.
    json.key("problems").beginArray();
    std::string_view rest = error.message();
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      if (const auto line = rest.substr(0, end); !line.empty()) json.string(line);
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
    json.endArray();
  }
  json.key("request_id").string(requestId).endObject();
  return response;
}

}  // namespace

// One admin call: what was asked, by whom, and how it ended (for the audit record).
struct AdminApi::Call {
  const HttpRequest& request;
  const std::string& requestId;
  std::string path;
  std::string tokenName;  // empty until authenticated
  std::string role;
  std::string kind;
  std::string id;
  std::string outcome;
};

// A change that took effect: the snapshot now in force and whether it replaced a document.
struct AdminApi::Applied {
  std::shared_ptr<const GatewaySnapshot> snapshot;
  bool existed = false;
};

AdminApi::AdminApi(AuditLog& audit, SourceSet::Factory openSource, StoreSync* sync)
    : audit_(audit),
      openSource_(std::move(openSource)),
      sync_(sync),
      store_(sync != nullptr ? &sync->store() : nullptr) {}

void AdminApi::serve(const HttpRequest& request, const std::string& requestId, ApiHandler& gateway,
                     HttpHandler::Respond respond) {
  Call call{request, requestId, std::string(pathOf(request.target)), {}, {}, {}, {}, {}};
  HttpResponse response;
  try {
    response = answer(call, gateway);
  } catch (const Error& e) {
    response = errorResponse(e, requestId);
    call.outcome = errorCodeName(e.code());
    if (!e.detail().empty()) spdlog::warn("admin request {}: {}", requestId, e.detail());
  } catch (const std::exception& e) {
    spdlog::error("admin request {}: {}", requestId, e.what());
    response = errorResponse(Error(ErrorCode::Internal, "internal error"), requestId);
    call.outcome = "internal";
  }

  // Who did what to which document and how it ended; never the body (it may hold secrets).
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("request_id").string(requestId);
  json.key("route").string(call.path).key("method").string(request.method);
  json.key("admin");
  if (call.tokenName.empty()) {
    json.null();
  } else {
    json.beginObject().key("name").string(call.tokenName).key("role").string(call.role);
    json.endObject();
  }
  json.key("kind").string(call.kind).key("id").string(call.id);
  json.key("status").integer(response.status).key("outcome").string(call.outcome);
  if (!request.changeComment.empty()) json.key("comment").string(request.changeComment);
  json.endObject();
  // An admin change has taken effect by now; its answer goes out even if the record could not
  // be written (the audit log reports that failure itself).
  audit_.append(std::move(record),
                [respond = std::move(respond), response](bool /*recorded*/) mutable {
                  respond(std::move(response));
                });
}

HttpResponse AdminApi::answer(Call& call, ApiHandler& gateway) {
  const auto snapshot = gateway.snapshot();
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view authorization = call.request.authorization;
  if (authorization.size() > kBearer.size() && authorization.starts_with(kBearer)) {
    const auto hash = sha256Hex(authorization.substr(kBearer.size()));
    // Every token is compared, so the time taken does not tell which one came close.
    for (const auto& token : snapshot->config.gateway.adminTokens) {
      if (constantTimeEquals(hash, token.tokenSha256) && call.tokenName.empty()) {
        call.tokenName = token.name;
        call.role = token.role;
      }
    }
  }
  if (call.tokenName.empty()) {
    throw Error(ErrorCode::Unauthenticated,
                "a valid admin token is required: Authorization: Bearer <token>");
  }

  const auto segments = splitPath(std::string_view(call.path).substr(kPrefix.size()));
  const auto& method = call.request.method;
  if (segments.size() == 1 && segments[0] == "changes") {
    call.kind = segments[0];
    if (method != "GET") throw Error(ErrorCode::MethodNotAllowed, "use GET for " + call.path);
    requireRole(call.role, call.kind, false);
    return listChanges(call, gateway);
  }
  if (segments.size() == 3 && segments[0] == "policies" && !segments[1].empty() &&
      (segments[2] == "history" || segments[2] == "rollback")) {
    call.kind = segments[0];
    call.id = segments[1];
    const bool rollback = segments[2] == "rollback";
    if (method != (rollback ? "POST" : "GET")) {
      throw Error(ErrorCode::MethodNotAllowed,
                  std::string(rollback ? "use POST for " : "use GET for ") + call.path);
    }
    requireRole(call.role, call.kind, rollback);
    return rollback ? rollBack(call, gateway) : history(call);
  }
  if (segments.empty() || segments.size() > 2 || !isConfigDocumentKind(segments[0]) ||
      (segments.size() == 2 && segments[1].empty())) {
    throw Error(ErrorCode::NotFound, "no such admin endpoint: " + call.path);
  }
  call.kind = segments[0];
  if (segments.size() == 2) call.id = segments[1];

  const bool isExplain = call.kind == "policies" && call.id == "explain" && method == "POST";
  if (isExplain) call.id.clear();
  if (!isExplain) {
    const bool item = segments.size() == 2;
    const bool allowed = method == "GET" || (item && (method == "PUT" || method == "DELETE"));
    if (!allowed) {
      throw Error(ErrorCode::MethodNotAllowed,
                  item ? "use GET, PUT or DELETE for " + call.path : "use GET for " + call.path);
    }
  }
  const bool writes = !isExplain && method != "GET";
  requireRole(call.role, call.kind, writes);
  if (isExplain) return explain(call, gateway);
  if (writes) return change(call, gateway);

  HttpResponse response;
  JsonWriter json(response.body);
  const auto& documents = snapshot->config.documents;
  if (call.id.empty()) {
    json.beginObject().key("items").beginArray();
    for (const auto& document : documents) {
      if (document.kind == call.kind) writeDocument(document, json);
    }
    json.endArray().key("request_id").string(call.requestId).endObject();
    call.outcome = "listed";
    return response;
  }
  const auto found = std::find_if(documents.begin(), documents.end(), [&](const auto& document) {
    return document.kind == call.kind && document.id == call.id;
  });
  if (found == documents.end()) {
    throw Error(ErrorCode::NotFound, "no " + call.kind + " with id '" + call.id + "'");
  }
  writeDocument(*found, json);
  call.outcome = "read";
  return response;
}

HttpResponse AdminApi::change(Call& call, ApiHandler& gateway) {
  std::optional<ConfigNode> body;
  if (call.request.method == "PUT") {
    body = parseBody(call.request.body);
    const auto id = body->find("id");
    if (!id || !id->isScalar() || id->yaml().Scalar() != call.id) {
      throw Error(ErrorCode::BadRequest,
                  "the body's id must be '" + call.id + "', the id in the path");
    }
  }

  const auto applied = apply(call, gateway, body, call.request.changeComment);
  HttpResponse response;
  if (!body) {
    response.status = 204;
    call.outcome = "deleted";
    return response;
  }
  response.status = applied.existed ? 200 : 201;
  call.outcome = applied.existed ? "replaced" : "created";
  JsonWriter json(response.body);
  for (const auto& document : applied.snapshot->config.documents) {
    if (document.kind == call.kind && document.id == call.id) writeDocument(document, json);
  }
  return response;
}

AdminApi::Applied AdminApi::apply(Call& call, ApiHandler& gateway,
                                  const std::optional<ConfigNode>& body,
                                  const std::string& comment) {
  std::lock_guard lock(sync_ != nullptr ? sync_->changeMutex() : changeMutex_);
  const auto current = gateway.snapshot();
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
  auto sources =
      SourceSet::reusing(next.sources, current->config.sources, current->sources, openSource_);
  // Recorded before it is installed: a change the store did not keep never takes effect, so a
  // restart cannot undo what clients were already served.
  auto version = current->version;
  if (store_ != nullptr) {
    const auto recorded = record(call, body, comment);
    // Another instance wrote in between, and this snapshot lacks its change: it keeps the version
    // it was built on, so that the next poll rebuilds it from the store, both changes included.
    if (recorded == current->version + 1) {
      version = recorded;
    } else {
      spdlog::info("admin change recorded as version {} after another instance's; catching up",
                   recorded);
    }
  }
  auto installed =
      std::make_shared<const GatewaySnapshot>(std::move(next), std::move(sources), version);
  gateway.install(installed);
  spdlog::info("admin {} ({}) {} {} {}: version {}", call.tokenName, call.role, call.request.method,
               call.kind, call.id, version);
  return Applied{std::move(installed), existed};
}

std::uint64_t AdminApi::record(const Call& call, const std::optional<ConfigNode>& body,
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

ControlStore& AdminApi::requireStore() const {
  if (store_ == nullptr) {
    throw Error(ErrorCode::NotFound,
                "history, rollback and the change log need a control store: set store: (an "
                "ODBC connection string) in gateway.yaml");
  }
  return *store_;
}

HttpResponse AdminApi::history(Call& call) {
  const auto versions = requireStore().history(call.kind, call.id);
  if (versions.empty()) {
    throw Error(ErrorCode::NotFound,
                "no " + call.kind + " with id '" + call.id + "' was ever stored");
  }
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("versions").beginArray();
  for (const auto& stored : versions) {  // newest first
    json.beginObject().key("version").integer(static_cast<std::int64_t>(stored.version));
    json.key("author").string(stored.author).key("time").string(stored.time);
    json.key("comment").string(stored.comment).key("deleted").boolean(stored.deleted);
    // A removal keeps the body the policy had before it.
    json.key("policy");
    writeYamlAsJson(storedBody(stored).yaml(), json);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse AdminApi::rollBack(Call& call, ApiHandler& gateway) {
  auto& store = requireStore();
  const auto request = parseBody(call.request.body);
  std::int64_t wanted = 0;
  try {
    request.allowOnlyKeys({"version"});
    wanted = request.at("version").asInt(1, std::numeric_limits<std::int64_t>::max());
  } catch (const Error& e) {
    throw Error(ErrorCode::BadRequest, e.message());
  }
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
  const auto applied = apply(call, gateway, storedBody(*found), comment);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("version").integer(static_cast<std::int64_t>(applied.snapshot->version));
  json.key("rolled_back_to").integer(wanted).key("policy");
  for (const auto& document : applied.snapshot->config.documents) {
    if (document.kind == call.kind && document.id == call.id) writeDocument(document, json);
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "rolled_back";
  return response;
}

HttpResponse AdminApi::listChanges(Call& call, ApiHandler& gateway) {
  auto changes = requireStore().changes();
  // Newest first, as history; the documents of one version stay in kind, id order.
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) { return a.version > b.version; });
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("version").integer(static_cast<std::int64_t>(gateway.snapshot()->version));
  json.key("changes").beginArray();
  for (const auto& stored : changes) {
    json.beginObject().key("version").integer(static_cast<std::int64_t>(stored.version));
    json.key("author").string(stored.author).key("time").string(stored.time);
    json.key("kind").string(stored.kind).key("id").string(stored.id);
    json.key("comment").string(stored.comment).key("deleted").boolean(stored.deleted);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse AdminApi::explain(Call& call, ApiHandler& gateway) {
  std::string client;
  std::string purpose;
  std::string field;
  const auto body = parseBody(call.request.body);
  try {
    body.allowOnlyKeys({"client", "purpose", "field"});
    client = body.at("client").asString();
    purpose = body.at("purpose").asString();
    field = body.at("field").asString();
  } catch (const Error& e) {
    throw Error(ErrorCode::BadRequest, e.message());
  }
  const auto snapshot = gateway.snapshot();
  const auto decided = PolicyExplanation::explain(snapshot->config, client, purpose, field,
                                                  std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("client").string(decided.client).key("purpose").string(decided.purpose);
  json.key("field").string(decided.field).key("sharing").string(sharingClassName(decided.sharing));
  json.key("dataset").string(decided.dataset).key("effect").string(decided.effectName());
  json.key("policy");
  decided.policy.empty() ? json.null() : json.string(decided.policy);
  json.key("reason").string(decided.reason);
  json.key("mask");
  decided.effect == PolicyDecision::Effect::Allow ? json.string(maskKindName(decided.mask))
                                                  : json.null();
  json.key("case_required").boolean(decided.caseRequired);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "explained";
  return response;
}

}  // namespace oncegate
