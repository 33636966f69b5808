#pragma once

// The behaviour every control store database must show, run by ControlStoreTest (SQLite) and
// ControlStorePostgresTest (PostgreSQL) against a fresh, empty database.
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <string>

#include "common/Error.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/store/ControlStore.h"

namespace oncegate::storechecks {

inline ErrorCode codeOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorCode::Internal;
}

inline void newStoreIsEmpty(const std::string& connection) {
  ControlStore store(connection);
  EXPECT_EQ(store.version(), 0u);
  EXPECT_TRUE(store.empty());
  EXPECT_TRUE(store.current().empty());
  EXPECT_TRUE(store.changes().empty());
  EXPECT_TRUE(store.history("sources", "hr").empty());
}

inline void putHistoryCurrentRemove(const std::string& connection) {
  ControlStore store(connection);
  EXPECT_EQ(store.put("sources", "hr", R"({"id":"hr","pool":4})", "dba-zhang", "first"), 1u);
  EXPECT_FALSE(store.empty());
  EXPECT_EQ(
      store.put("policies", "p1", R"({"id":"p1","purpose":"社保核验"})", "officer-li", "授权"), 2u);
  EXPECT_EQ(store.put("sources", "hr", R"({"id":"hr","pool":8})", "dba-wang", ""), 3u);

  auto current = store.current();
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].kind, "policies");
  EXPECT_EQ(current[0].id, "p1");
  EXPECT_EQ(current[0].version, 2u);
  EXPECT_EQ(current[0].body, R"({"id":"p1","purpose":"社保核验"})");
  EXPECT_EQ(current[0].comment, "授权");
  EXPECT_EQ(current[1].kind, "sources");
  EXPECT_EQ(current[1].version, 3u);
  EXPECT_EQ(current[1].body, R"({"id":"hr","pool":8})");
  EXPECT_EQ(current[1].author, "dba-wang");
  EXPECT_FALSE(current[1].deleted);

  auto history = store.history("sources", "hr");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].version, 3u);
  EXPECT_EQ(history[1].version, 1u);
  EXPECT_EQ(history[1].author, "dba-zhang");
  EXPECT_EQ(history[1].comment, "first");
  EXPECT_EQ(history[1].body, R"({"id":"hr","pool":4})");
  const std::regex utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  EXPECT_TRUE(std::regex_match(history[1].time, utc)) << history[1].time;

  EXPECT_EQ(store.remove("sources", "hr", "dba-wang", "retired"), 4u);
  current = store.current();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].id, "p1");
  history = store.history("sources", "hr");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_TRUE(history[0].deleted);
  EXPECT_EQ(history[0].version, 4u);
  EXPECT_EQ(history[0].comment, "retired");
  EXPECT_EQ(history[0].body, R"({"id":"hr","pool":8})");  // what was removed

  // Removing what is not there is refused and changes nothing.
  EXPECT_EQ(codeOf([&] { store.remove("sources", "hr", "dba-wang", ""); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { store.remove("forms", "nothing", "dba-wang", ""); }), ErrorCode::NotFound);
  EXPECT_EQ(store.version(), 4u);

  // A removed document can be created again.
  EXPECT_EQ(store.put("sources", "hr", R"({"id":"hr"})", "dba-wang", "back"), 5u);
  EXPECT_EQ(store.current().size(), 2u);

  const auto changes = store.changes(2);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].version, 3u);
  EXPECT_EQ(changes[2].version, 5u);
}

inline void versionIncreasesByOnePerChange(const std::string& connection) {
  ControlStore store(connection);
  for (const auto kind : ControlStore::kinds()) {
    const auto before = store.version();
    EXPECT_EQ(store.put(kind, "x", "{}", "admin", ""), before + 1);
    EXPECT_EQ(store.version(), before + 1);
    EXPECT_EQ(store.remove(kind, "x", "admin", ""), before + 2);
    EXPECT_EQ(store.version(), before + 2);
  }
  EXPECT_EQ(store.version(), 2 * ControlStore::kinds().size());
}

inline void invalidChangesAreRefusedAndChangeNothing(const std::string& connection) {
  ControlStore store(connection);
  store.put("datasets", "hr.employee", "{}", "dba", "");
  EXPECT_EQ(codeOf([&] { store.put("widgets", "a", "{}", "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.put("Sources", "a", "{}", "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.remove("widgets", "a", "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.history("widgets", "a"); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.put("sources", "", "{}", "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.put("sources", std::string(256, 'a'), "{}", "dba", ""); }),
            ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.put("sources", "a", "", "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.put("sources", "a", "{}", "", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(store.version(), 1u);
  EXPECT_EQ(store.changes().size(), 1u);
}

// `refuseId` installs, through the given client, a trigger that makes the database refuse
// inserting a document whose id is 'boom': the failure comes after the version was raised.
inline void failedPutChangesNothing(const std::string& connection,
                                    const std::function<void(odbc::OdbcClient&)>& refuseId) {
  ControlStore store(connection);
  store.put("clients", "tax", "{}", "officer", "");
  {
    odbc::OdbcClient client(connection, "test");
    refuseId(client);
  }
  try {
    store.put("clients", "boom", "{}", "officer", "");
    ADD_FAILURE() << "expected the database to refuse";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::SourceUnavailable);
    EXPECT_FALSE(error.sqlstate().empty());
    EXPECT_NE(error.detail().find("refused by test"), std::string::npos) << error.detail();
  }
  EXPECT_EQ(store.version(), 1u);
  EXPECT_TRUE(store.history("clients", "boom").empty());
  EXPECT_EQ(store.changes().size(), 1u);
  // The store still works, and the next change takes the next version.
  EXPECT_EQ(store.put("clients", "fund", "{}", "officer", ""), 2u);
}

inline void reopeningKeepsEverything(const std::string& connection) {
  std::vector<StoredDocument> current;
  std::vector<StoredDocument> history;
  {
    ControlStore store(connection);
    store.put("subjects", "person", R"({"id":"person","key":"id_card"})", "dba", "主体");
    store.put("fields", "name", R"({"id":"name"})", "dba", "");
    store.put("fields", "name", R"({"id":"name","type":"string"})", "dba", "typed");
    store.remove("subjects", "person", "dba", "");
    current = store.current();
    history = store.history("fields", "name");
  }
  ControlStore reopened(connection);
  EXPECT_EQ(reopened.version(), 4u);
  EXPECT_EQ(reopened.current(), current);
  EXPECT_EQ(reopened.history("fields", "name"), history);
  EXPECT_EQ(reopened.history("subjects", "person").size(), 2u);
  EXPECT_EQ(reopened.put("forms", "f", "{}", "dba", ""), 5u);
}

inline void importHappensOnceAsOneVersion(const std::string& connection) {
  ControlStore store(connection);
  std::vector<StoredDocument> documents(3);
  documents[0].kind = "sources";
  documents[0].id = "hr";
  documents[0].body = R"({"id":"hr"})";
  documents[1].kind = "datasets";
  documents[1].id = "hr.employee";
  documents[1].body = R"({"id":"hr.employee"})";
  documents[2].kind = "sources";
  documents[2].id = "fund";
  documents[2].body = R"({"id":"fund"})";

  auto duplicate = documents;
  duplicate.push_back(documents[0]);
  EXPECT_EQ(codeOf([&] { store.importIfEmpty(duplicate, "import", ""); }), ErrorCode::BadRequest);
  EXPECT_TRUE(store.empty());

  EXPECT_EQ(store.importIfEmpty(documents, "import", "first start"),
            std::optional<std::uint64_t>(1));
  const auto current = store.current();
  ASSERT_EQ(current.size(), 3u);
  for (const auto& document : current) {
    EXPECT_EQ(document.version, 1u);
    EXPECT_EQ(document.author, "import");
    EXPECT_EQ(document.comment, "first start");
  }
  EXPECT_EQ(current[1].id, "fund");
  EXPECT_EQ(current[2].id, "hr");

  EXPECT_EQ(store.importIfEmpty(documents, "import", ""), std::nullopt);
  EXPECT_EQ(store.version(), 1u);
  EXPECT_EQ(store.changes().size(), 3u);
}

inline StoredDocument document(std::string kind, std::string id, std::string body) {
  StoredDocument out;
  out.kind = std::move(kind);
  out.id = std::move(id);
  out.body = std::move(body);
  return out;
}

inline void applyWritesOnlyTheDifferenceAsOneVersion(const std::string& connection) {
  ControlStore store(connection);
  std::vector<StoredDocument> wanted = {
      document("sources", "hr", R"({"id":"hr","pool":4})"),
      document("fields", "name", R"({"id":"name","title":"姓名"})"),
      document("fields", "age", R"({"id":"age"})"),
  };
  EXPECT_EQ(store.apply(wanted, "dba", "first"), std::optional<std::uint64_t>(1));
  EXPECT_EQ(store.changes().size(), 3u);

  // The same documents, one with other spacing: nothing is written, the version stays.
  wanted[1].body = R"({ "id": "name", "title": "姓名" })";
  EXPECT_EQ(store.apply(wanted, "dba", "again"), std::nullopt);
  EXPECT_EQ(store.version(), 1u);

  // One changed, one new, one left out: three changes, one version.
  wanted[0].body = R"({"id":"hr","pool":8})";
  wanted.erase(wanted.begin() + 2);
  wanted.push_back(document("policies", "p1", R"({"id":"p1","allow":["name"]})"));
  EXPECT_EQ(store.apply(wanted, "officer", "tidy"), std::optional<std::uint64_t>(2));
  const auto changed = store.changes(1);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].kind, "fields");
  EXPECT_EQ(changed[0].id, "age");
  EXPECT_TRUE(changed[0].deleted);
  EXPECT_EQ(changed[0].body, R"({"id":"age"})");  // what was removed
  EXPECT_EQ(changed[1].kind, "policies");
  EXPECT_FALSE(changed[1].deleted);
  EXPECT_EQ(changed[2].kind, "sources");
  EXPECT_EQ(changed[2].body, R"({"id":"hr","pool":8})");
  for (const auto& change : changed) {
    EXPECT_EQ(change.version, 2u);
    EXPECT_EQ(change.author, "officer");
    EXPECT_EQ(change.comment, "tidy");
  }
  const auto current = store.current();
  ASSERT_EQ(current.size(), 3u);
  EXPECT_EQ(current[0].id, "name");
  EXPECT_EQ(current[0].version, 1u);  // untouched keeps its version
  EXPECT_EQ(current[1].id, "p1");
  EXPECT_EQ(current[2].id, "hr");

  // A key order that differs is a different document.
  wanted[2].body = R"({"allow":["name"],"id":"p1"})";
  EXPECT_EQ(store.apply(wanted, "officer", ""), std::optional<std::uint64_t>(3));
  EXPECT_EQ(store.changes(2).size(), 1u);

  // Invalid input writes nothing.
  auto duplicate = wanted;
  duplicate.push_back(wanted[0]);
  EXPECT_EQ(codeOf([&] { store.apply(duplicate, "dba", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.apply({document("widgets", "w", "{}")}, "dba", ""); }),
            ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { store.apply(wanted, "", ""); }), ErrorCode::BadRequest);
  EXPECT_EQ(store.version(), 3u);

  // Nothing listed: everything is removed, as one version.
  EXPECT_EQ(store.apply({}, "dba", "empty"), std::optional<std::uint64_t>(4));
  EXPECT_TRUE(store.current().empty());
  EXPECT_EQ(store.changes(3).size(), 3u);
  EXPECT_EQ(store.apply({}, "dba", "empty"), std::nullopt);
}

// A document removed earlier and applied again is created again.
inline void applyRecreatesARemovedDocument(const std::string& connection) {
  ControlStore store(connection);
  store.put("forms", "f", R"({"id":"f"})", "dba", "");
  store.remove("forms", "f", "dba", "");
  EXPECT_EQ(store.apply({document("forms", "f", R"({"id":"f"})")}, "dba", ""),
            std::optional<std::uint64_t>(3));
  const auto current = store.current();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].version, 3u);
  EXPECT_FALSE(current[0].deleted);
}

// Pending changes: held apart from the versions, every state change once, an approval written as
// one version under the author's name, and a change whose document moved on refused (Conflict)
// and kept pending.
inline void pendingChangesWaitAndAreDecidedOnce(const std::string& connection) {
  ControlStore store(connection);
  store.put("fields", "person.name", R"({"id":"person.name","column":"name"})", "dba-wang", "");
  PendingChange proposed;
  proposed.kind = "fields";
  proposed.documentId = "person.name";
  proposed.body = R"({"id":"person.name","column":"name","sharing":"unconditional"})";
  proposed.author = "dba-wang";
  proposed.comment = "公开姓名";
  proposed.reasons = {"field 'person.name': sharing made more open", "second \"reason\""};
  const auto first = store.propose(proposed);
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(store.version(), 1u);  // pending is not a version

  auto held = store.pendingChange(first);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->state, "pending");
  EXPECT_EQ(held->baseVersion, 1u);
  EXPECT_EQ(held->reasons, proposed.reasons);
  EXPECT_EQ(held->body, proposed.body);
  EXPECT_EQ(held->comment, "公开姓名");
  EXPECT_TRUE(held->decidedBy.empty());
  EXPECT_FALSE(store.pendingChange(99).has_value());

  // Approved: one version, written under the author's name, the change marked with it.
  EXPECT_EQ(store.approvePendingChange(first, "sec-li", "ok"), 2u);
  const auto current = store.current();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].body, proposed.body);
  EXPECT_EQ(current[0].author, "dba-wang");
  EXPECT_EQ(current[0].comment, "公开姓名 (approved by sec-li)");
  held = store.pendingChange(first);
  EXPECT_EQ(held->state, "approved");
  EXPECT_EQ(held->decidedBy, "sec-li");
  EXPECT_EQ(held->decisionComment, "ok");
  EXPECT_EQ(held->appliedVersion, 2u);
  // Decided once: neither approved again nor rejected after.
  EXPECT_EQ(codeOf([&] { store.approvePendingChange(first, "sec-li", ""); }), ErrorCode::Conflict);
  EXPECT_EQ(codeOf([&] { store.closePendingChange(first, "rejected", "sec-li", ""); }),
            ErrorCode::Conflict);
  EXPECT_EQ(store.version(), 2u);

  // A change whose document changed after it was proposed stays pending.
  const auto stale = store.propose(proposed);
  store.put("fields", "person.name", R"({"id":"person.name","column":"alias"})", "dba-zhang", "");
  EXPECT_EQ(codeOf([&] { store.approvePendingChange(stale, "sec-li", ""); }), ErrorCode::Conflict);
  EXPECT_EQ(store.pendingChange(stale)->state, "pending");
  EXPECT_EQ(store.version(), 3u);
  store.closePendingChange(stale, "withdrawn", "dba-wang", "outdated");
  EXPECT_EQ(store.pendingChange(stale)->state, "withdrawn");

  // A removal, and a rejection that writes nothing.
  PendingChange removal = proposed;
  removal.body.clear();
  removal.removal = true;
  const auto removing = store.propose(removal);
  const auto rejected = store.propose(proposed);
  store.closePendingChange(rejected, "rejected", "sec-li", "no");
  EXPECT_EQ(store.version(), 3u);
  EXPECT_EQ(store.approvePendingChange(removing, "sec-li", ""), 4u);
  EXPECT_TRUE(store.current().empty());
  EXPECT_EQ(store.history("fields", "person.name").front().body,
            R"({"id":"person.name","column":"alias"})");
  EXPECT_EQ(codeOf([&] { store.closePendingChange(77, "rejected", "sec-li", ""); }),
            ErrorCode::NotFound);

  // Listed newest first, by state; they survive reopening.
  ControlStore reopened(connection);
  const auto all = reopened.pendingChanges();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, rejected);
  EXPECT_EQ(all[3].id, first);
  ASSERT_EQ(reopened.pendingChanges("rejected").size(), 1u);
  EXPECT_EQ(reopened.pendingChanges("rejected")[0].decisionComment, "no");
  EXPECT_TRUE(reopened.pendingChanges("pending").empty());
  EXPECT_EQ(reopened.propose(proposed), 5u);
}

}  // namespace oncegate::storechecks
