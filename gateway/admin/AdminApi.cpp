#include "gateway/admin/AdminApi.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Digest.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "common/YamlJson.h"
#include "connectors/SourceProbe.h"
#include "gateway/cache/CacheInvalidation.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/service/PolicyExplanation.h"
#include "gateway/store/StoreSync.h"
#include "gateway/admin/DatasetDryRun.h"
#include "gateway/admin/FieldColumnCheck.h"
#include "gateway/admin/PolicyImpact.h"
#include "gateway/audit/AuditChainVerifier.h"
#include "gateway/audit/AuditLog.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/cache/CacheKey.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/RequestId.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "gateway/http/QueryParameters.h"
#include "gateway/store/ControlStore.h"
#include "gateway/store/DocumentDiff.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/SubjectType.h"
#include "policies/MaskKind.h"

namespace oncegate {

namespace {

constexpr std::string_view kPrefix = "/admin/v1/";
constexpr std::string_view kBodyOrigin = "request body";
// The change log answers the newest entries first, this many unless ?limit= says otherwise.
constexpr long long kDefaultChangesListed = 100;
constexpr long long kMaxChangesListed = 10000;

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::vector<std::string> splitPath(std::string_view rest) {
  std::vector<std::string> segments;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    // Ids may hold anything a YAML string may: they arrive %-encoded.
    segments.push_back(QueryParameters::decode(rest.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

bool isDbaKind(std::string_view kind) {
  return kind == "sources" || kind == "subjects" || kind == "datasets" || kind == "fields" ||
         kind == "forms" || kind == "cache";
}

// The roles of admin.tokens: each owns some kinds of document; the auditor reads everything,
// and everyone may read the change log (who changed what, never a value).
bool roleAllows(std::string_view role, std::string_view kind, bool writes) {
  if (role == "admin") return true;
  if (role == "auditor") return !writes;
  if (kind == "changes") return !writes;
  if (role == "dba") return isDbaKind(kind);
  if (role == "security_officer") return kind == "clients" || kind == "policies";
  return false;
}

// "policies" -> "policy", "sources" -> "source": the key a history entry holds its document in.
std::string singular(std::string_view kind) {
  if (kind.ends_with("ies")) return std::string(kind.substr(0, kind.size() - 3)) + "y";
  return std::string(kind.substr(0, kind.size() - 1));
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
    if (key == "odbc" && entry.second.IsScalar()) {
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

// Runs `read` over a parsed body; a schema complaint (unknown key, wrong type) is the caller's.
template <typename Read>
auto readBody(const ConfigNode& body, Read read) {
  try {
    return read(body);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidConfig) throw;
    throw Error(ErrorCode::BadRequest, e.message());
  }
}

// {"type":..,"<key>":..} of a body: the subject of the dataset's type, its key checked as a
// request's would be.
std::string subjectKeyOf(const ConfigNode& subject, const SubjectType& type) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& [name, node] : subject.entries()) {
    if (name != "type") {
      keys.emplace_back(name, node.asString());
    } else if (node.asString() != type.id()) {
      node.fail("the dataset is about subject type '" + type.id() + "', not '" + node.asString() +
                "'");
    }
  }
  return type.keyValueOf(keys);
}

void writeError(const Error& error, JsonWriter& json) {
  json.beginObject().key("code").string(errorCodeName(error.code()));
  json.key("message").string(error.message());
  if (!error.sqlstate().empty()) json.key("sqlstate").string(error.sqlstate());
  if (!error.detail().empty()) json.key("driver").string(error.detail());
  json.endObject();
}

}  // namespace

// One admin call: what was asked, by whom, and how it ended (for the audit record).
struct AdminApi::Call {
  const HttpRequest& request;
  const std::string& requestId;
  std::string path;
  std::vector<std::string> segments;  // of the path after /admin/v1/
  std::string tokenName;              // empty until authenticated
  std::string role;
  std::string kind;
  std::string id;
  std::string outcome;
  // Whom a call read personal data about (a dry run, a per-subject invalidation): the audit trail
  // is where that belongs, as for /v1 requests.
  std::string subjectType;
  std::string subjectKey;
  std::string subjectValue;
};

// A change that took effect: the snapshot now in force and whether it replaced a document.
struct AdminApi::Applied {
  std::shared_ptr<const GatewaySnapshot> snapshot;
  bool existed = false;
};

// One endpoint: its method and path pattern ("{kind}" any configuration document kind, "{id}"
// one non-empty segment, anything else itself), the kind whose role rule applies (empty: the
// path's {kind}), whether the role must be allowed to write it, and the member that answers.
struct AdminApi::Route {
  std::string_view method;
  std::array<std::string_view, 3> pattern;
  std::size_t length;
  std::string_view kind;
  bool writes;
  HttpResponse (AdminApi::*handle)(Call&);

  // How well the route fits `segments`: -1 not at all, else how many literal segments matched
  // (a literal beats a placeholder: /policies/explain is not the policy "explain").
  int fit(const std::vector<std::string>& segments) const {
    if (segments.size() != length) return -1;
    int literals = 0;
    for (std::size_t i = 0; i < length; ++i) {
      if (pattern[i] == "{kind}") {
        if (!isConfigDocumentKind(segments[i])) return -1;
      } else if (pattern[i] == "{id}") {
        if (segments[i].empty()) return -1;
      } else if (pattern[i] == segments[i]) {
        ++literals;
      } else {
        return -1;
      }
    }
    return literals;
  }
};

AdminApi::AdminApi(LiveConfiguration& live, AuditLog& audit, CacheInvalidation& invalidation,
                   StoreSync* sync)
    : live_(live),
      audit_(audit),
      invalidation_(invalidation),
      sync_(sync),
      store_(sync != nullptr ? &sync->store() : nullptr) {
  for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { work(); });
}

AdminApi::~AdminApi() { stop(); }

void AdminApi::stop() {
  {
    std::lock_guard lock(queueMutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void AdminApi::work() {
  for (;;) {
    std::function<void()> next;
    {
      std::unique_lock lock(queueMutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next();
  }
}

HttpResponse AdminApi::refuse(const Error& error) { return errorResponse(error, newRequestId()); }

void AdminApi::handle(HttpRequest request, Respond respond) {
  auto exchange = std::make_shared<Exchange>(Exchange{std::move(request), newRequestId(),
                                                      std::chrono::steady_clock::now()});
  {
    std::lock_guard lock(queueMutex_);
    if (stopping_) {
      return respond(errorResponse(
          Error(ErrorCode::Overloaded, "the gateway is shutting down; send the request again"),
          exchange->requestId));
    }
    queue_.emplace_back([this, exchange, respond = std::move(respond)]() mutable {
      answerAndAudit(exchange, std::move(respond));
    });
  }
  queued_.notify_one();
}

void AdminApi::answerAndAudit(const std::shared_ptr<Exchange>& exchange, Respond respond) {
  const HttpRequest& request = exchange->request;
  const std::string& requestId = exchange->requestId;
  Call call{request, requestId, std::string(pathOf(request.target)), {}, {}, {}, {}, {}, {}, {},
            {},      {}};
  HttpResponse response;
  try {
    response = answer(call);
  } catch (const Error& e) {
    response = errorResponse(e, requestId);
    call.outcome = errorCodeName(e.code());
    if (!e.detail().empty()) spdlog::warn("admin request {}: {}", requestId, e.detail());
  } catch (const std::exception& e) {
    spdlog::error("admin request {}: {}", requestId, e.what());
    response = errorResponse(Error(ErrorCode::Internal, "internal error"), requestId);
    call.outcome = "internal";
  }
  response.requestId = requestId;

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
  if (!call.subjectType.empty()) {
    json.key("subject").beginObject().key("type").string(call.subjectType);
    json.key(call.subjectKey).string(call.subjectValue).endObject();
  }
  json.key("status").integer(response.status).key("outcome").string(call.outcome);
  if (!request.changeComment.empty()) json.key("comment").string(request.changeComment);
  json.endObject();
  // An admin change has taken effect by now; its answer goes out even if the record could not
  // be written (the audit log reports that failure itself).
  audit_.append(std::move(record), [exchange, respond = std::move(respond),
                                    response = std::move(response)](bool /*recorded*/) mutable {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - exchange->started);
    spdlog::info("request {} {} {} status={} latency_us={}", exchange->requestId,
                 exchange->request.method, pathOf(exchange->request.target), response.status,
                 micros.count());
    respond(std::move(response));
  });
}

HttpResponse AdminApi::answer(Call& call) {
  const auto snapshot = live_.current();
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

  static constexpr Route kRoutes[] = {
      {"GET", {"changes"}, 1, "changes", false, &AdminApi::listChanges},
      {"GET", {"audit"}, 1, "audit", false, &AdminApi::queryAudit},
      {"POST", {"audit", "verify"}, 2, "audit", false, &AdminApi::verifyAudit},
      {"POST", {"cache", "invalidate"}, 2, "cache", true, &AdminApi::invalidateCache},
      {"POST", {"policies", "explain"}, 2, "policies", false, &AdminApi::explain},
      {"POST", {"policies", "impact"}, 2, "policies", false, &AdminApi::impact},
      // Both reach into department databases with their credentials: for those who own them.
      {"POST", {"sources", "{id}", "test"}, 3, "sources", true, &AdminApi::testSource},
      {"POST", {"datasets", "{id}", "dry-run"}, 3, "datasets", true, &AdminApi::dryRun},
      {"GET", {"{kind}", "{id}", "history"}, 3, "", false, &AdminApi::history},
      {"POST", {"{kind}", "{id}", "rollback"}, 3, "", true, &AdminApi::rollBack},
      {"GET", {"{kind}"}, 1, "", false, &AdminApi::list},
      {"GET", {"{kind}", "{id}"}, 2, "", false, &AdminApi::read},
      {"PUT", {"{kind}", "{id}"}, 2, "", true, &AdminApi::change},
      {"DELETE", {"{kind}", "{id}"}, 2, "", true, &AdminApi::change},
  };
  call.segments = splitPath(std::string_view(call.path).substr(kPrefix.size()));
  int best = -1;
  for (const auto& route : kRoutes) best = std::max(best, route.fit(call.segments));
  if (best < 0) throw Error(ErrorCode::NotFound, "no such admin endpoint: " + call.path);
  const Route* chosen = nullptr;
  std::string allowed;
  for (const auto& route : kRoutes) {
    if (route.fit(call.segments) != best) continue;
    allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
    if (route.method == call.request.method && chosen == nullptr) chosen = &route;
  }
  if (chosen == nullptr) {
    throw Error(ErrorCode::MethodNotAllowed, "use " + allowed + " for " + call.path);
  }
  call.kind = chosen->kind.empty() ? call.segments[0] : std::string(chosen->kind);
  if (chosen->pattern[1] == "{id}") call.id = call.segments[1];
  if (!roleAllows(call.role, call.kind, chosen->writes)) {
    throw Error(ErrorCode::Forbidden, "role '" + call.role + "' may not " +
                                          (chosen->writes ? "change " : "read ") + call.kind);
  }
  return (this->*(chosen->handle))(call);
}

HttpResponse AdminApi::list(Call& call) {
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

HttpResponse AdminApi::read(Call& call) {
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

HttpResponse AdminApi::change(Call& call) {
  std::optional<ConfigNode> body;
  if (call.request.method == "PUT") {
    body = parseBody(call.request.body);
    const auto id = body->find("id");
    if (!id || !id->isScalar() || id->yaml().Scalar() != call.id) {
      throw Error(ErrorCode::BadRequest,
                  "the body's id must be '" + call.id + "', the id in the path");
    }
  }

  const auto applied = apply(call, body, call.request.changeComment);
  HttpResponse response;
  if (!body) {
    response.status = 204;
    call.outcome = "deleted";
    return response;
  }
  response.status = applied.existed ? 200 : 201;
  call.outcome = applied.existed ? "replaced" : "created";
  JsonWriter json(response.body);
  writeDocument(call.kind, findDocument(*applied.snapshot, call.kind, call.id)->body, json);
  return response;
}

AdminApi::Applied AdminApi::apply(Call& call, const std::optional<ConfigNode>& body,
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
  spdlog::info("admin {} ({}) {} {} {}: version {}", call.tokenName, call.role, call.request.method,
               call.kind, call.id, version);
  return Applied{std::move(installed), existed};
}

void AdminApi::checkColumns(const Call& call, const Configuration& next, const SourceSet& sources) {
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

HttpResponse AdminApi::rollBack(Call& call) {
  auto& store = requireStore();
  const auto wanted = readBody(parseBody(call.request.body), [](const ConfigNode& body) {
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
  const auto applied = apply(call, storedBody(*found), comment);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("version").integer(static_cast<std::int64_t>(applied.snapshot->version));
  json.key("rolled_back_to").integer(wanted).key(singular(call.kind));
  writeDocument(call.kind, findDocument(*applied.snapshot, call.kind, call.id)->body, json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "rolled_back";
  return response;
}

namespace {

void writeKeys(std::string_view name, const std::vector<std::string>& keys, JsonWriter& json) {
  json.key(name).beginArray();
  for (const auto& key : keys) json.string(key);
  json.endArray();
}

}  // namespace

HttpResponse AdminApi::listChanges(Call& call) {
  const auto query = QueryParameters::parse(call.request.target);
  query.allowOnly({"limit"});
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
      writeKeys("added", entries[i].diff.added, json);
      writeKeys("removed", entries[i].diff.removed, json);
      writeKeys("changed", entries[i].diff.changed, json);
      json.endObject();
    }
    json.endObject();
  }
  json.endArray().key("truncated").boolean(listed < entries.size());
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse AdminApi::explain(Call& call) {
  struct Asked {
    std::string client;
    std::string purpose;
    std::string field;
  };
  const auto asked = readBody(parseBody(call.request.body), [](const ConfigNode& body) {
    body.allowOnlyKeys({"client", "purpose", "field"});
    return Asked{body.at("client").asString(), body.at("purpose").asString(),
                 body.at("field").asString()};
  });
  const auto snapshot = live_.current();
  const auto decided = PolicyExplanation::explain(snapshot->config, asked.client, asked.purpose,
                                                  asked.field, std::chrono::system_clock::now());
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

HttpResponse AdminApi::testSource(Call& call) {
  // Without a body, the source as configured; with one, a proposed definition, so that a DBA
  // can try a connection string before registering it.
  SourceConfig config;
  if (call.request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    const auto snapshot = live_.current();
    const SourceConfig* found = snapshot->config.source(call.id);
    if (found == nullptr) {
      throw Error(ErrorCode::NotFound, "no sources with id '" + call.id +
                                           "' (send its definition as the body to test it "
                                           "before registering it)");
    }
    config = *found;
  } else {
    const auto body = parseBody(call.request.body);
    config = readBody(body, [](const ConfigNode& item) { return parseSource(item); });
    if (config.id != call.id) {
      throw Error(ErrorCode::BadRequest,
                  "the body's id must be '" + call.id + "', the id in the path");
    }
  }
  const auto probed = SourceProbe::run(config, live_.sourceFactory());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("source").string(probed.source).key("ok").boolean(probed.ok);
  json.key("connection").string(probed.connection);
  json.key("connect_ms").number(probed.withConnect.count());
  if (probed.ok) json.key("query_ms").number(probed.onOpenConnection.count());
  if (probed.error) {
    json.key("error");
    writeError(*probed.error, json);
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = probed.ok ? "reachable" : "unreachable";
  return response;
}

HttpResponse AdminApi::dryRun(Call& call) {
  const auto snapshot = live_.current();
  const auto& catalog = snapshot->config.mappings;
  const Dataset* dataset = catalog.dataset(call.id);
  if (dataset == nullptr) throw Error(ErrorCode::NotFound, "no datasets with id '" + call.id + "'");
  const auto& type = catalog.subjectOf(*dataset);
  call.subjectValue = readBody(parseBody(call.request.body), [&](const ConfigNode& body) {
    body.allowOnlyKeys({"subject"});
    return subjectKeyOf(body.at("subject"), type);
  });
  call.subjectType = type.id();
  call.subjectKey = type.key();

  const auto steps = DatasetDryRun::run(*snapshot, call.id, Value::string(call.subjectValue));
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("dataset").string(call.id).key("steps").beginArray();
  for (const auto& step : steps) {
    const auto& ran = *step.dataset;
    json.beginObject().key("dataset").string(ran.id()).key("source").string(ran.source());
    json.key("sql").string(ran.sql()).key("params").beginArray();
    std::string logged;
    for (const auto& param : step.params) {
      json.beginObject().key("name").string(param.name).key("from").string(param.from);
      json.key("type").string(valueKindName(param.value.kind())).key("value").value(param.value);
      json.endObject();
      logged += " " + param.name + ":" + std::string(valueKindName(param.value.kind()));
    }
    json.endArray().key("outcome").string(DatasetDryRun::outcomeName(step.outcome));
    json.key("ms").number(step.elapsed.count());
    if (step.outcome == DatasetDryRun::Step::Outcome::Skipped) {
      json.key("reason").string(step.skippedBecause);
    }
    if (step.error) {
      json.key("error");
      writeError(*step.error, json);
    }
    if (step.row) {
      json.key("row").beginObject();
      for (std::size_t i = 0; i < step.row->columns.size(); ++i) {
        json.key(step.row->columns[i]).value(step.row->values[i]);
      }
      json.endObject().key("fields").beginObject();
      for (const auto& field : catalog.fields()) {
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
    // Names and types only: the values identify a person.
    spdlog::info("admin dry run {} of dataset {} by {}: params{} -> {}", call.requestId, ran.id(),
                 call.tokenName, logged, DatasetDryRun::outcomeName(step.outcome));
  }
  json.endArray().key("cache").string("not used");
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "dry_run";
  return response;
}

HttpResponse AdminApi::invalidateCache(Call& call) {
  const auto snapshot = live_.current();
  const auto& catalog = snapshot->config.mappings;
  const auto body = parseBody(call.request.body);
  const auto datasetId = readBody(body, [](const ConfigNode& node) {
    node.allowOnlyKeys({"dataset", "subject"});
    return node.at("dataset").asString();
  });
  call.id = datasetId;
  const Dataset* dataset = catalog.dataset(datasetId);
  if (dataset == nullptr) {
    throw Error(ErrorCode::NotFound, "no datasets with id '" + datasetId + "'");
  }
  std::string scope = "dataset";
  std::uint64_t removed = 0;
  if (const auto subject = body.find("subject")) {
    // A chained dataset is keyed by a value another dataset yields, which the gateway only
    // learns by asking: its entries can go only all together.
    if (dataset->chained()) {
      throw Error(ErrorCode::BadRequest,
                  "dataset '" + datasetId +
                      "' is keyed by a field of another dataset, not by the subject: invalidate "
                      "the whole dataset (leave out \"subject\")");
    }
    const auto& type = catalog.subjectOf(*dataset);
    call.subjectValue =
        readBody(*subject, [&](const ConfigNode& node) { return subjectKeyOf(node, type); });
    call.subjectType = type.id();
    call.subjectKey = type.key();
    const std::vector<Value> params(dataset->params().size(), Value::string(call.subjectValue));
    removed = invalidation_.erase(makeCacheKey(dataset->id(), dataset->fingerprint(), params,
                                               snapshot->config.gateway.hashKey),
                                  false);
    scope = "subject";
  } else {
    removed = invalidation_.erase(cacheKeyPrefix(dataset->id()), true);
  }
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("dataset").string(datasetId).key("scope").string(scope);
  json.key("removed").integer(static_cast<std::int64_t>(removed));
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "invalidated";
  return response;
}

namespace {

void writeScan(const AuditTrailReader::Scan& scan, JsonWriter& json) {
  json.key("scan").beginObject();
  json.key("lines_read").integer(static_cast<std::int64_t>(scan.linesRead));
  json.key("skipped").integer(static_cast<std::int64_t>(scan.skipped));
  json.key("limit_reached").boolean(scan.limitReached);
  json.key("budget_exhausted").boolean(scan.budgetExhausted);
  json.endObject();
}

std::optional<AuditTrailReader::TimePoint> timeParameter(std::string_view name,
                                                         const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto time = AuditTrailReader::parseTime(*text);
  if (!time) {
    throw Error(ErrorCode::BadRequest, std::string(name) +
                                           " must be a UTC date or time: 2026-03-31 or "
                                           "2026-03-31T17:45:10Z");
  }
  return time;
}

}  // namespace

HttpResponse AdminApi::impact(Call& call) {
  const auto snapshot = live_.current();
  const auto body = parseBody(call.request.body);
  AuditTrailReader::Filter filter;
  std::vector<ConfigNode> proposed;
  std::vector<std::string> removed;
  readBody(body, [&](const ConfigNode& node) {
    node.allowOnlyKeys({"policies", "remove", "last", "since", "until"});
    if (const auto policies = node.find("policies")) proposed = policies->items();
    if (const auto remove = node.find("remove")) {
      for (const auto& id : remove->items()) removed.push_back(id.asString());
    }
    if (const auto last = node.find("last")) {
      filter.limit = static_cast<std::size_t>(
          last->asInt(1, static_cast<std::int64_t>(AuditTrailReader::kMaxLimit)));
    }
    for (const auto* name : {"since", "until"}) {
      if (const auto value = node.find(name)) {
        auto& bound = std::string_view(name) == "since" ? filter.since : filter.until;
        bound = AuditTrailReader::parseTime(value->asString());
        if (!bound) value->fail(std::string(name) + " must be a UTC date or time");
      }
    }
    if (proposed.empty() && removed.empty()) {
      node.fail(R"(propose something: "policies" to put and/or "remove" (policy ids))");
    }
  });

  // The proposal is the configuration in force with those policies put and removed, validated
  // as a whole like a change: a proposal that could not be published is refused the same way.
  std::vector<ConfigDocument> documents;
  std::vector<std::string> put;
  for (const auto& item : proposed) {
    const auto id = readBody(item, [](const ConfigNode& node) { return node.at("id").asString(); });
    put.push_back(id);
  }
  for (const auto& document : snapshot->config.documents) {
    const bool replaced = document.kind == "policies" &&
                          (std::find(put.begin(), put.end(), document.id) != put.end() ||
                           std::find(removed.begin(), removed.end(), document.id) != removed.end());
    if (!replaced) documents.push_back(document);
  }
  for (const auto& id : removed) {
    if (findDocument(*snapshot, "policies", id) == nullptr) {
      throw Error(ErrorCode::NotFound, "no policies with id '" + id + "' to remove");
    }
  }
  for (std::size_t i = 0; i < proposed.size(); ++i) {
    documents.push_back(ConfigDocument{"policies", put[i], proposed[i]});
  }
  const auto proposal = buildConfiguration(snapshot->config.gateway, std::move(documents));

  const AuditTrailReader reader(snapshot->config.gateway.audit.path);
  const auto recent = reader.recentRequests(filter);
  const auto result = PolicyImpact::compute(snapshot->config, proposal, recent.requests,
                                            std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject();
  writeKeys("put", put, json);
  writeKeys("removed", removed, json);
  writeScan(recent.scan, json);
  result.writeMembers(json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "impact";
  return response;
}

HttpResponse AdminApi::queryAudit(Call& call) {
  const auto query = QueryParameters::parse(call.request.target);
  query.allowOnly({"limit", "since", "until", "client", "route"});
  AuditTrailReader::Filter filter;
  filter.limit = static_cast<std::size_t>(
      query.integer("limit", static_cast<long long>(AuditTrailReader::kDefaultLimit), 1,
                    static_cast<long long>(AuditTrailReader::kMaxLimit)));
  filter.since = timeParameter("since", query.find("since"));
  filter.until = timeParameter("until", query.find("until"));
  filter.client = query.find("client");
  if (auto route = query.find("route")) filter.routes.push_back(std::move(*route));
  const AuditTrailReader reader(live_.current()->config.gateway.audit.path);
  const auto found = reader.recentLines(filter);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("records").beginArray();
  for (const auto& line : found.lines) json.raw(line);
  json.endArray();
  writeScan(found.scan, json);
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

HttpResponse AdminApi::verifyAudit(Call& call) {
  const auto report = verifyAuditChain(live_.current()->config.gateway.audit.path);
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("intact").boolean(report.intact);
  json.key("lines").integer(static_cast<std::int64_t>(report.lines));
  // After a rotation the file continues another; that link is for oncegatectl with both files.
  if (!report.continues.empty()) json.key("continues").string(report.continues);
  if (!report.intact) {
    json.key("first_broken_line").integer(static_cast<std::int64_t>(report.firstBrokenLine));
    json.key("problem").string(report.problem);
  }
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = report.intact ? "intact" : "broken";
  return response;
}

}  // namespace oncegate
