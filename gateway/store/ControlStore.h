#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Value.h"
#include "gateway/config/ConfigDocument.h"
#include "gateway/store/PendingChange.h"
#include "gateway/store/StoredDocument.h"

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The versioned configuration documents that admin changes write, in a SQL database reached
// through ODBC (SQLite embedded, PostgreSQL when several instances share it). Every change is
// one transaction that raises the store-wide version by exactly one, so instances sharing the
// database see one linear history. Thread-safe.
//
// Errors: BadRequest for an unknown kind or an empty id/author/body, NotFound for removing
// what is not there, SourceUnavailable (with SQLSTATE) when the database fails.
class ControlStore {
 public:
  // The document kinds, in the order they are listed.
  static const std::vector<std::string_view>& kinds();
  static bool isKind(std::string_view kind);
  // The store's form of configuration documents loaded from YAML: kind, id and the body as JSON
  // (writeYamlAsJson), which is what admin changes write too. Import and apply both use it.
  static std::vector<StoredDocument> documentsOf(const std::vector<ConfigDocument>& documents);

  // The states a pending change may be in; the first is where each one starts.
  static const std::vector<std::string_view>& pendingStates();

  // Connects and creates the tables (oncegate_documents, oncegate_meta,
  // oncegate_pending_changes) when missing.
  explicit ControlStore(std::string odbcConnectionString);
  ~ControlStore();
  ControlStore(const ControlStore&) = delete;
  ControlStore& operator=(const ControlStore&) = delete;

  // The store-wide version: 0 for a store that never changed, then +1 per change.
  std::uint64_t version();
  // True while nothing was ever written (not even an empty import).
  bool empty();

  // The latest version of every document that is not removed, ordered by kind, then id (bytes).
  std::vector<StoredDocument> current();
  // Every version of one document, newest first; empty when it never existed.
  std::vector<StoredDocument> history(std::string_view kind, std::string_view id);
  // Every document version created after store version `after`, oldest first: the change log.
  std::vector<StoredDocument> changes(std::uint64_t after = 0);

  // Creates or replaces a document; returns the new store version.
  std::uint64_t put(std::string_view kind, std::string_view id, std::string_view bodyJson,
                    std::string_view author, std::string_view comment);
  // Removes a document (a new version marked deleted); returns the new store version.
  std::uint64_t remove(std::string_view kind, std::string_view id, std::string_view author,
                       std::string_view comment);

  // Holds `change` (its kind, documentId, body, removal, author, comment and reasons) as a new
  // pending change, its base version the document's latest in the store; returns its id.
  std::uint64_t propose(const PendingChange& change);
  // The pending changes in `state` ("" any), newest first.
  std::vector<PendingChange> pendingChanges(std::string_view state = {});
  // One pending change, in whatever state; nullopt when there is no such id.
  std::optional<PendingChange> pendingChange(std::uint64_t id);
  // Closes a change that is still pending as `state` (rejected or withdrawn) by `by`. Throws
  // NotFound (no such change) or Conflict (already decided).
  void closePendingChange(std::uint64_t id, std::string_view state, std::string_view by,
                          std::string_view comment);
  // Approves a change that is still pending: in one transaction, writes its document as a new
  // store version (under its author's name) and marks it approved by `by`; returns the version.
  // Throws NotFound, or Conflict when it is no longer pending or its document changed since it
  // was proposed (it then stays pending, for its author to withdraw).
  std::uint64_t approvePendingChange(std::uint64_t id, std::string_view by,
                                     std::string_view comment);

  // First-start import: writes `documents` (their kind, id and body; the other fields are
  // ignored) as one version, but only if the store is still empty, checked under the same lock
  // as the write, so that of two instances starting together exactly one imports. Returns the
  // new version, or nullopt when the store was not empty and nothing was written.
  std::optional<std::uint64_t> importIfEmpty(const std::vector<StoredDocument>& documents,
                                             std::string_view author, std::string_view comment);

  // Makes the store hold exactly `documents` (their kind, id and body): puts those that are new
  // or whose body differs as JSON (key order counts, spacing does not), removes current ones not
  // listed, all as one version. Returns it, or nullopt when nothing differs and nothing was
  // written. What changed is changes(version - 1) limited to that version.
  std::optional<std::uint64_t> apply(const std::vector<StoredDocument>& documents,
                                     std::string_view author, std::string_view comment);

 private:
  // The documents one version writes (kind, id, body, deleted; the rest is filled in), given the
  // version; nullopt writes nothing.
  using Changes = std::function<std::optional<std::vector<StoredDocument>>(std::uint64_t version)>;

  // One new store version in one transaction, under the lock: nextVersion() first, then
  // `changes` (which may read: the version's lock is held), then the writes. Returns nullopt
  // when `changes` wrote nothing; the raised version is then rolled back.
  std::optional<std::uint64_t> writeVersion(std::string_view author, std::string_view comment,
                                            const Changes& changes);
  void createSchema();
  // Raises the store version inside the current transaction and returns it; the UPDATE comes
  // first so that it takes the row (PostgreSQL) or write (SQLite) lock before anything is read.
  std::uint64_t nextVersion();
  void insert(const StoredDocument& document);
  // current() without taking the mutex, for use inside a transaction.
  std::vector<StoredDocument> selectCurrent();
  std::vector<StoredDocument> select(const std::string& sql, const std::vector<Value>& params);
  std::vector<PendingChange> selectPending(const std::string& where,
                                           const std::vector<Value>& params);
  // The latest version of one document (removed or not); 0 when it never existed.
  std::uint64_t latestVersion(std::string_view kind, std::string_view id);

  std::mutex mutex_;
  std::unique_ptr<odbc::OdbcClient> client_;
};

}  // namespace oncegate
