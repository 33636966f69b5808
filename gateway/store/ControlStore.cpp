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
};

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

}  // namespace

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
