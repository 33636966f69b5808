#include "gateway/store/ControlStore.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"
#include "common/YamlJson.h"
#include "connectors/odbc/OdbcClient.h"

namespace oncegate {

namespace {

constexpr std::string_view kStoreName = "control store";
// Each store statement, and each admin call waiting on one: a store host that stops answering
// fails the call with SourceTimeout after this (plus OdbcClient::kGiveUpAfter) instead of pinning
// it and the store's lock forever. The store's statements are small: seconds is generous.
constexpr std::chrono::seconds kStoreStatementTimeout{5};
// Room for any id in the YAML documents; checked here so that every database agrees.
constexpr std::size_t kMaxIdLength = 255;
constexpr std::size_t kMaxAuthorLength = 255;
// Two instances starting together may race to create the tables; the loser tries again.
constexpr int kSchemaAttempts = 3;

// Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are ISO text, so that no driver
// converts them to a local time zone; `deleted` is an integer, as SQLite has no boolean.
constexpr std::array kSchema = {
    "CREATE TABLE IF NOT EXISTS oncegate_meta (name VARCHAR(64) PRIMARY KEY, value BIGINT NOT "
    "NULL)",
    "CREATE TABLE IF NOT EXISTS oncegate_documents (kind VARCHAR(32) NOT NULL, id VARCHAR(255) "
    "NOT NULL, version BIGINT NOT NULL, author VARCHAR(255) NOT NULL, changed_at VARCHAR(40) NOT "
    "NULL, comment TEXT NOT NULL, body TEXT NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY "
    "(kind, id, version))",
    "INSERT INTO oncegate_meta (name, value) SELECT 'version', 0 WHERE NOT EXISTS (SELECT 1 FROM "
    "oncegate_meta WHERE name = 'version')",
    // Changes that wait for a security officer: not versions, so the version is not raised.
    "CREATE TABLE IF NOT EXISTS oncegate_pending_changes (id BIGINT PRIMARY KEY, kind VARCHAR(32) "
    "NOT NULL, doc_id VARCHAR(255) NOT NULL, body TEXT NOT NULL, removal INTEGER NOT NULL, "
    "base_version BIGINT NOT NULL, author VARCHAR(255) NOT NULL, proposed_at VARCHAR(40) NOT "
    "NULL, comment TEXT NOT NULL, reasons TEXT NOT NULL, state VARCHAR(16) NOT NULL, decided_by "
    "VARCHAR(255) NOT NULL, decided_at VARCHAR(40) NOT NULL, decision_comment TEXT NOT NULL, "
    "applied_version BIGINT NOT NULL)",
    "INSERT INTO oncegate_meta (name, value) SELECT 'pending_change', 0 WHERE NOT EXISTS (SELECT "
    "1 FROM oncegate_meta WHERE name = 'pending_change')",
};

constexpr std::string_view kPendingColumns =
    "SELECT id, kind, doc_id, body, removal, base_version, author, proposed_at, comment, reasons, "
    "state, decided_by, decided_at, decision_comment, applied_version FROM "
    "oncegate_pending_changes";

constexpr std::string_view kColumns =
    "SELECT kind, id, version, author, changed_at, comment, body, deleted FROM oncegate_documents";

// Thrown inside a version's transaction to roll it back, the raised version included.
struct NothingToWrite {};

// Drivers differ in how they return integers (BIGINT, or text for some SQLite expressions).
std::uint64_t asUnsigned(const Value& value) {
  if (value.kind() == ValueKind::Int) return static_cast<std::uint64_t>(value.asInt());
  if (value.kind() == ValueKind::Bool) return value.asBool() ? 1 : 0;
  const std::string& text = value.text();
  std::uint64_t number = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), number);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) {
    throw Error(ErrorCode::Internal, "the control store holds a malformed number",
                "value: '" + text + "'");
  }
  return number;
}

std::string asText(const Value& value) { return value.isNull() ? std::string() : value.toString(); }

void requireKind(std::string_view kind) {
  if (ControlStore::isKind(kind)) return;
  std::string expected;
  for (const auto known : ControlStore::kinds()) {
    if (!expected.empty()) expected += ", ";
    expected += known;
  }
  throw Error(ErrorCode::BadRequest,
              "unknown kind '" + std::string(kind) + "' (expected one of " + expected + ")");
}

void requireId(std::string_view id) {
  if (id.empty()) throw Error(ErrorCode::BadRequest, "a document id must not be empty");
  if (id.size() > kMaxIdLength) {
    throw Error(ErrorCode::BadRequest,
                "a document id must be at most " + std::to_string(kMaxIdLength) + " bytes");
  }
}

void requireAuthor(std::string_view author) {
  if (author.empty()) throw Error(ErrorCode::BadRequest, "a change must name its author");
  if (author.size() > kMaxAuthorLength) {
    throw Error(ErrorCode::BadRequest,
                "an author must be at most " + std::to_string(kMaxAuthorLength) + " bytes");
  }
}

void requireBody(std::string_view body) {
  if (body.empty()) throw Error(ErrorCode::BadRequest, "a document body must not be empty");
}

bool byKindThenId(const StoredDocument& a, const StoredDocument& b) {
  return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
}

void requireDistinctDocuments(const std::vector<StoredDocument>& documents, std::string_view what) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const StoredDocument& document : documents) {
    requireKind(document.kind);
    requireId(document.id);
    requireBody(document.body);
    if (!seen.emplace(document.kind, document.id).second) {
      throw Error(ErrorCode::BadRequest, "the " + std::string(what) + " holds " + document.kind +
                                             " document '" + document.id + "' twice");
    }
  }
}

// Bodies are compared after a parse and rewrite, so that one written by hand, by an older
// version or by another writer is equal to the same object written by writeYamlAsJson.
std::string normalisedJson(const std::string& body) {
  try {
    std::string out;
    JsonWriter json(out);
    writeYamlAsJson(YAML::Load(body), json);
    return out;
  } catch (const YAML::Exception&) {
    return body;  // unparsable: only the very same text is equal
  }
}

// The reasons a change waits, as one JSON array (no separator can appear in a field id).
std::string reasonsJson(const std::vector<std::string>& reasons) {
  std::string text;
  JsonWriter json(text);
  json.beginArray();
  for (const auto& reason : reasons) json.string(reason);
  json.endArray();
  return text;
}

std::vector<std::string> reasonsOf(const std::string& text) {
  std::vector<std::string> reasons;
  try {
    for (const auto& item : YAML::Load(text)) reasons.push_back(item.as<std::string>());
  } catch (const YAML::Exception&) {
    reasons.push_back(text);  // written by another writer: shown as it is
  }
  return reasons;
}

std::string describe(const PendingChange& change) {
  return "change " + std::to_string(change.id) + " was already " + change.state + " by " +
         change.decidedBy + " at " + change.decidedAt;
}

}  // namespace

const std::vector<std::string_view>& ControlStore::pendingStates() {
  static const std::vector<std::string_view> states = {"pending", "approved", "rejected",
                                                       "withdrawn"};
  return states;
}

const std::vector<std::string_view>& ControlStore::kinds() {
  static const std::vector<std::string_view> known = {"sources", "subjects", "datasets", "fields",
                                                      "forms",   "clients",  "policies"};
  return known;
}

bool ControlStore::isKind(std::string_view kind) {
  const auto& known = kinds();
  return std::find(known.begin(), known.end(), kind) != known.end();
}

std::vector<StoredDocument> ControlStore::documentsOf(
    const std::vector<ConfigDocument>& documents) {
  std::vector<StoredDocument> out;
  out.reserve(documents.size());
  for (const ConfigDocument& document : documents) {
    StoredDocument stored;
    stored.kind = document.kind;
    stored.id = document.id;
    JsonWriter json(stored.body);
    writeYamlAsJson(document.body.yaml(), json);
    out.push_back(std::move(stored));
  }
  return out;
}

ControlStore::ControlStore(std::string odbcConnectionString)
    : client_(std::make_unique<odbc::OdbcClient>(std::move(odbcConnectionString),
                                                 std::string(kStoreName), kStoreStatementTimeout)) {
  createSchema();
}

ControlStore::~ControlStore() = default;

void ControlStore::createSchema() {
  for (int attempt = 1;; ++attempt) {
    try {
      client_->transaction([&] {
        for (const char* statement : kSchema) client_->execute(statement);
      });
      return;
    } catch (const Error&) {
      if (attempt == kSchemaAttempts) throw;
    }
  }
}

std::uint64_t ControlStore::version() {
  std::lock_guard lock(mutex_);
  const auto rows = client_->query("SELECT value FROM oncegate_meta WHERE name = 'version'");
  if (rows.size() != 1) {
    throw Error(ErrorCode::Internal, "the control store has no version row",
                "oncegate_meta holds " + std::to_string(rows.size()) + " 'version' rows");
  }
  return asUnsigned(rows[0].values.at(0));
}

bool ControlStore::empty() { return version() == 0; }

std::vector<StoredDocument> ControlStore::select(const std::string& sql,
                                                 const std::vector<Value>& params) {
  const auto rows = client_->query(sql, params);
  std::vector<StoredDocument> documents;
  documents.reserve(rows.size());
  for (const Row& row : rows) {
    StoredDocument document;
    document.kind = asText(row.values.at(0));
    document.id = asText(row.values.at(1));
    document.version = asUnsigned(row.values.at(2));
    document.author = asText(row.values.at(3));
    document.time = asText(row.values.at(4));
    document.comment = asText(row.values.at(5));
    document.body = asText(row.values.at(6));
    document.deleted = asUnsigned(row.values.at(7)) != 0;
    documents.push_back(std::move(document));
  }
  return documents;
}

std::vector<StoredDocument> ControlStore::current() {
  std::lock_guard lock(mutex_);
  return selectCurrent();
}

std::vector<StoredDocument> ControlStore::selectCurrent() {
  auto documents = select(std::string(kColumns) +
                              " d WHERE d.deleted = 0 AND d.version = (SELECT MAX(v.version) "
                              "FROM oncegate_documents v WHERE v.kind = d.kind AND v.id = d.id)",
                          {});
  // Sorted here, not by the database: collations differ between servers.
  std::sort(documents.begin(), documents.end(), byKindThenId);
  return documents;
}

std::vector<StoredDocument> ControlStore::history(std::string_view kind, std::string_view id) {
  requireKind(kind);
  std::lock_guard lock(mutex_);
  return select(std::string(kColumns) + " WHERE kind = ? AND id = ? ORDER BY version DESC",
                {Value::string(std::string(kind)), Value::string(std::string(id))});
}

std::vector<StoredDocument> ControlStore::changes(std::uint64_t after) {
  std::lock_guard lock(mutex_);
  auto documents = select(std::string(kColumns) + " WHERE version > ?",
                          {Value::integer(static_cast<std::int64_t>(after))});
  std::sort(documents.begin(), documents.end(), [](const auto& a, const auto& b) {
    return a.version != b.version ? a.version < b.version : byKindThenId(a, b);
  });
  return documents;
}

std::uint64_t ControlStore::nextVersion() {
  const auto updated =
      client_->execute("UPDATE oncegate_meta SET value = value + 1 WHERE name = 'version'");
  if (updated != 1) {
    throw Error(ErrorCode::Internal, "the control store has no version row",
                "raising the version updated " + std::to_string(updated) + " rows");
  }
  const auto rows = client_->query("SELECT value FROM oncegate_meta WHERE name = 'version'");
  if (rows.size() != 1) throw Error(ErrorCode::Internal, "the control store has no version row");
  return asUnsigned(rows[0].values.at(0));
}

void ControlStore::insert(const StoredDocument& document) {
  client_->execute(
      "INSERT INTO oncegate_documents (kind, id, version, author, changed_at, comment, body, "
      "deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {Value::string(document.kind), Value::string(document.id),
       Value::integer(static_cast<std::int64_t>(document.version)), Value::string(document.author),
       Value::string(document.time), Value::string(document.comment), Value::string(document.body),
       Value::integer(document.deleted ? 1 : 0)});
}

std::optional<std::uint64_t> ControlStore::writeVersion(std::string_view author,
                                                        std::string_view comment,
                                                        const Changes& changes) {
  requireAuthor(author);
  std::lock_guard lock(mutex_);
  const std::string time = utcTimestampSeconds();
  std::uint64_t version = 0;
  try {
    client_->transaction([&] {
      version = nextVersion();
      auto writes = changes(version);
      // Rolled back: the version raised above is given back with everything else.
      if (!writes) throw NothingToWrite{};
      for (auto& document : *writes) {
        document.version = version;
        document.author = std::string(author);
        document.time = time;
        document.comment = std::string(comment);
        insert(document);
      }
    });
  } catch (const NothingToWrite&) {
    return std::nullopt;
  }
  return version;
}

std::uint64_t ControlStore::put(std::string_view kind, std::string_view id,
                                std::string_view bodyJson, std::string_view author,
                                std::string_view comment) {
  requireKind(kind);
  requireId(id);
  requireBody(bodyJson);
  return *writeVersion(author, comment, [&](std::uint64_t) {
    return std::vector<StoredDocument>{
        {std::string(kind), std::string(id), 0, {}, {}, {}, std::string(bodyJson), false}};
  });
}

std::uint64_t ControlStore::remove(std::string_view kind, std::string_view id,
                                   std::string_view author, std::string_view comment) {
  requireKind(kind);
  requireId(id);
  return *writeVersion(author, comment, [&](std::uint64_t) {
    // Read after the version lock, so that no concurrent change slips in between.
    const auto latest =
        select(std::string(kColumns) + " WHERE kind = ? AND id = ? ORDER BY version DESC",
               {Value::string(std::string(kind)), Value::string(std::string(id))});
    if (latest.empty() || latest.front().deleted) {
      throw Error(ErrorCode::NotFound, "there is no " + std::string(kind) + " document '" +
                                           std::string(id) + "' to remove");
    }
    // A removal keeps the body the document had before it.
    return std::vector<StoredDocument>{
        {std::string(kind), std::string(id), 0, {}, {}, {}, latest.front().body, true}};
  });
}

std::uint64_t ControlStore::latestVersion(std::string_view kind, std::string_view id) {
  const auto rows =
      client_->query("SELECT MAX(version) FROM oncegate_documents WHERE kind = ? AND id = ?",
                     {Value::string(std::string(kind)), Value::string(std::string(id))});
  if (rows.empty() || rows[0].values.at(0).isNull()) return 0;
  return asUnsigned(rows[0].values.at(0));
}

std::vector<PendingChange> ControlStore::selectPending(const std::string& where,
                                                       const std::vector<Value>& params) {
  const auto rows = client_->query(std::string(kPendingColumns) + where, params);
  std::vector<PendingChange> changes;
  changes.reserve(rows.size());
  for (const Row& row : rows) {
    PendingChange change;
    change.id = asUnsigned(row.values.at(0));
    change.kind = asText(row.values.at(1));
    change.documentId = asText(row.values.at(2));
    change.body = asText(row.values.at(3));
    change.removal = asUnsigned(row.values.at(4)) != 0;
    change.baseVersion = asUnsigned(row.values.at(5));
    change.author = asText(row.values.at(6));
    change.time = asText(row.values.at(7));
    change.comment = asText(row.values.at(8));
    change.reasons = reasonsOf(asText(row.values.at(9)));
    change.state = asText(row.values.at(10));
    change.decidedBy = asText(row.values.at(11));
    change.decidedAt = asText(row.values.at(12));
    change.decisionComment = asText(row.values.at(13));
    change.appliedVersion = asUnsigned(row.values.at(14));
    changes.push_back(std::move(change));
  }
  return changes;
}

std::uint64_t ControlStore::propose(const PendingChange& change) {
  requireKind(change.kind);
  requireId(change.documentId);
  requireAuthor(change.author);
  if (!change.removal) requireBody(change.body);
  std::lock_guard lock(mutex_);
  std::uint64_t id = 0;
  client_->transaction([&] {
    // The counter row is taken first, as the version's is, so that concurrent proposals queue.
    if (client_->execute(
            "UPDATE oncegate_meta SET value = value + 1 WHERE name = 'pending_change'") != 1) {
      throw Error(ErrorCode::Internal, "the control store has no pending change counter");
    }
    const auto rows =
        client_->query("SELECT value FROM oncegate_meta WHERE name = 'pending_change'");
    id = asUnsigned(rows.at(0).values.at(0));
    client_->execute(
        "INSERT INTO oncegate_pending_changes (id, kind, doc_id, body, removal, base_version, "
        "author, proposed_at, comment, reasons, state, decided_by, decided_at, decision_comment, "
        "applied_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {Value::integer(static_cast<std::int64_t>(id)), Value::string(change.kind),
         Value::string(change.documentId), Value::string(change.body),
         Value::integer(change.removal ? 1 : 0),
         Value::integer(static_cast<std::int64_t>(latestVersion(change.kind, change.documentId))),
         Value::string(change.author), Value::string(utcTimestampSeconds()),
         Value::string(change.comment), Value::string(reasonsJson(change.reasons)),
         Value::string(std::string(pendingStates().front())), Value::string(""), Value::string(""),
         Value::string(""), Value::integer(0)});
  });
  return id;
}

std::vector<PendingChange> ControlStore::pendingChanges(std::string_view state) {
  std::lock_guard lock(mutex_);
  auto changes = state.empty()
                     ? selectPending("", {})
                     : selectPending(" WHERE state = ?", {Value::string(std::string(state))});
  std::sort(changes.begin(), changes.end(),
            [](const auto& a, const auto& b) { return a.id > b.id; });
  return changes;
}

std::optional<PendingChange> ControlStore::pendingChange(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto found = selectPending(" WHERE id = ?", {Value::integer(static_cast<std::int64_t>(id))});
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

void ControlStore::closePendingChange(std::uint64_t id, std::string_view state, std::string_view by,
                                      std::string_view comment) {
  requireAuthor(by);
  std::lock_guard lock(mutex_);
  // Only a change still pending is closed, so that of two deciders exactly one does.
  const auto updated = client_->execute(
      "UPDATE oncegate_pending_changes SET state = ?, decided_by = ?, decided_at = ?, "
      "decision_comment = ? WHERE id = ? AND state = 'pending'",
      {Value::string(std::string(state)), Value::string(std::string(by)),
       Value::string(utcTimestampSeconds()), Value::string(std::string(comment)),
       Value::integer(static_cast<std::int64_t>(id))});
  if (updated == 1) return;
  const auto found =
      selectPending(" WHERE id = ?", {Value::integer(static_cast<std::int64_t>(id))});
  if (found.empty()) {
    throw Error(ErrorCode::NotFound, "there is no pending change " + std::to_string(id));
  }
  throw Error(ErrorCode::Conflict, describe(found.front()));
}

std::uint64_t ControlStore::approvePendingChange(std::uint64_t id, std::string_view by,
                                                 std::string_view comment) {
  requireAuthor(by);
  const auto proposed = pendingChange(id);
  if (!proposed)
    throw Error(ErrorCode::NotFound, "there is no pending change " + std::to_string(id));
  const std::string note = proposed->comment.empty()
                               ? "approved by " + std::string(by)
                               : proposed->comment + " (approved by " + std::string(by) + ")";
  return *writeVersion(proposed->author, note, [&](std::uint64_t version) {
    // Read again under the version's lock: another instance may have decided it meanwhile.
    const auto found =
        selectPending(" WHERE id = ?", {Value::integer(static_cast<std::int64_t>(id))});
    if (found.empty() || found.front().state != "pending") {
      throw Error(ErrorCode::Conflict, found.empty()
                                           ? "pending change " + std::to_string(id) + " is gone"
                                           : describe(found.front()));
    }
    const auto& change = found.front();
    const auto latest = latestVersion(change.kind, change.documentId);
    if (latest != change.baseVersion) {
      throw Error(ErrorCode::Conflict,
                  change.kind + " '" + change.documentId + "' changed (version " +
                      std::to_string(latest) + ") after change " + std::to_string(id) +
                      " was proposed on version " + std::to_string(change.baseVersion) +
                      "; it stays pending: its author may withdraw it and propose it again");
    }
    std::string body = change.body;
    if (change.removal) {
      const auto before =
          select(std::string(kColumns) + " WHERE kind = ? AND id = ? AND version = ?",
                 {Value::string(change.kind), Value::string(change.documentId),
                  Value::integer(static_cast<std::int64_t>(latest))});
      if (before.empty() || before.front().deleted) {
        throw Error(ErrorCode::Conflict,
                    change.kind + " '" + change.documentId + "' is no longer there to remove");
      }
      body = before.front().body;  // a removal keeps the body the document had before it
    }
    client_->execute(
        "UPDATE oncegate_pending_changes SET state = 'approved', decided_by = ?, decided_at = ?, "
        "decision_comment = ?, applied_version = ? WHERE id = ?",
        {Value::string(std::string(by)), Value::string(utcTimestampSeconds()),
         Value::string(std::string(comment)), Value::integer(static_cast<std::int64_t>(version)),
         Value::integer(static_cast<std::int64_t>(id))});
    return std::optional<std::vector<StoredDocument>>(std::vector<StoredDocument>{
        {change.kind, change.documentId, 0, {}, {}, {}, body, change.removal}});
  });
}

std::optional<std::uint64_t> ControlStore::importIfEmpty(
    const std::vector<StoredDocument>& documents, std::string_view author,
    std::string_view comment) {
  requireDistinctDocuments(documents, "import");
  return writeVersion(author, comment,
                      [&](std::uint64_t version) -> std::optional<std::vector<StoredDocument>> {
                        if (version != 1) return std::nullopt;  // not empty: nothing written
                        return documents;
                      });
}

std::optional<std::uint64_t> ControlStore::apply(const std::vector<StoredDocument>& documents,
                                                 std::string_view author,
                                                 std::string_view comment) {
  requireDistinctDocuments(documents, "change");
  return writeVersion(
      author, comment, [&](std::uint64_t) -> std::optional<std::vector<StoredDocument>> {
        // Read after the version lock, so that the difference is taken against what is in force.
        std::map<std::pair<std::string, std::string>, std::string> before;
        for (auto& document : selectCurrent()) {
          before.emplace(std::pair(std::move(document.kind), std::move(document.id)),
                         std::move(document.body));
        }
        std::vector<StoredDocument> writes;
        for (const StoredDocument& document : documents) {
          const auto found = before.find(std::pair(document.kind, document.id));
          if (found != before.end()) {
            const bool same = normalisedJson(found->second) == normalisedJson(document.body);
            before.erase(found);
            if (same) continue;
          }
          writes.push_back({document.kind, document.id, 0, {}, {}, {}, document.body, false});
        }
        for (auto& [key, body] : before) {
          writes.push_back({key.first, key.second, 0, {}, {}, {}, std::move(body), true});
        }
        if (writes.empty()) return std::nullopt;
        return writes;
      });
}

}  // namespace oncegate
