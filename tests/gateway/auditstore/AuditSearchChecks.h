#pragma once

// What the auditors' search and the citizen's listing must do on every database the central
// audit record may live in: run by AuditSearchTest (SQLite through ODBC) and
// AuditSearchPostgresTest (the real PostgreSQL), each against a fresh, empty database whose rows
// are written here as the shipper writes them (AuditStoreSchema's contract).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/Digest.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditSearch.h"
#include "gateway/auditstore/AuditStoreSchema.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate::auditsearchchecks {

inline constexpr std::string_view kHashKey = "a-hash-key-of-at-least-thirty-two-chars";
inline constexpr std::string_view kZhang = "330102196001010011";
inline constexpr std::string_view kLi = "330102197002020022";

// One data request as its audit line says it.
struct Access {
  std::string instance = "gw-a";
  std::string time;
  std::string route = "/v1/resolve";
  int status = 200;
  std::string client = "retirement-app";
  std::string department = "Organisation Department";
  std::string purpose = "retirement";
  std::string caseNumber;
  std::string subjectId = std::string(kZhang);
  std::string discloseAfter;
  std::vector<std::pair<std::string, std::string>> fields = {{"person.name", "ok"}};
};

// Writes rows as the shipper does: the line, its columns, one row per field; seq follows on per
// instance and each line's prev is the previous line's SHA-256.
class StoreWriter {
 public:
  explicit StoreWriter(odbc::OdbcClient& client) : client_(client) {
    createAuditStoreSchema(client_);
  }

  std::int64_t add(const Access& access) {
    std::string line;
    JsonWriter json(line);
    json.beginObject()
        .key("time")
        .string(access.time)
        .key("request_id")
        .string("r-" + std::to_string(++requests_));
    json.key("route").string(access.route).key("status").integer(access.status);
    json.key("client").string(access.client).key("department").string(access.department);
    if (!access.discloseAfter.empty()) json.key("disclose_after").string(access.discloseAfter);
    json.key("purpose").string(access.purpose).key("case").string(access.caseNumber);
    json.key("subject").beginObject().key("type").string("person");
    if (!access.subjectId.empty()) json.key("id_card").string(access.subjectId);
    json.endObject().key("fields").beginObject();
    for (const auto& [id, outcome] : access.fields) json.key(id).string(outcome);
    json.endObject().key("datasets").beginArray().endArray().endObject();
    const auto subjectHash = access.subjectId.empty()
                                 ? std::string()
                                 : subjectIndexHash(kHashKey, "person", access.subjectId);
    const auto seq = ++seqs_[access.instance];
    const auto sha = sha256Hex(line);
    client_.execute(
        "INSERT INTO oncegate_audit_records (instance, seq, time, event, request_id, route, "
        "status, client, department, purpose, case_number, subject_type, subject_hash, "
        "disclose_after, line, line_sha256, prev) VALUES (?, ?, ?, 'access', ?, ?, ?, ?, ?, ?, "
        "?, 'person', ?, ?, ?, ?, ?)",
        {Value::string(access.instance), Value::integer(seq), Value::string(access.time),
         Value::string("r-" + std::to_string(requests_)), Value::string(access.route),
         Value::integer(access.status), Value::string(access.client),
         Value::string(access.department), Value::string(access.purpose),
         Value::string(access.caseNumber), Value::string(subjectHash),
         Value::string(access.discloseAfter), Value::string(line), Value::string(sha),
         Value::string(prev_[access.instance])});
    prev_[access.instance] = sha;
    for (const auto& [id, outcome] : access.fields) {
      client_.execute(
          "INSERT INTO oncegate_audit_fields (instance, seq, field, outcome) VALUES "
          "(?, ?, ?, ?)",
          {Value::string(access.instance), Value::integer(seq), Value::string(id),
           Value::string(outcome)});
    }
    return seq;
  }

  // A line that is no data request (an admin call): no subject, no fields.
  void addEvent(const std::string& instance, const std::string& time, const std::string& event) {
    const std::string line = R"({"time":")" + time + R"(","event":")" + event + R"("})";
    const auto seq = ++seqs_[instance];
    client_.execute(
        "INSERT INTO oncegate_audit_records VALUES (?, ?, ?, ?, '', '', 0, '', '', '', '', '', "
        "'', '', ?, ?, ?)",
        {Value::string(instance), Value::integer(seq), Value::string(time), Value::string(event),
         Value::string(line), Value::string(sha256Hex(line)), Value::string(prev_[instance])});
    prev_[instance] = sha256Hex(line);
  }

 private:
  odbc::OdbcClient& client_;
  std::map<std::string, std::int64_t> seqs_;
  std::map<std::string, std::string> prev_;
  int requests_ = 0;
};

inline std::vector<std::string> timesOf(const std::vector<AuditSearch::Record>& records) {
  std::vector<std::string> times;
  for (const auto& record : records) times.push_back(record.time);
  return times;
}

inline std::string at(int minute) {
  return "2026-12-05T01:" + std::string(minute < 10 ? "0" : "") + std::to_string(minute) +
         ":00.000Z";
}

// Ten accesses over two instances, two subjects, two clients, cases, fields and outcomes.
inline void fillTen(StoreWriter& writer) {
  for (int i = 0; i < 10; ++i) {
    Access access;
    access.instance = i % 2 == 0 ? "gw-a" : "gw-b";
    access.time = at(i);
    access.subjectId = std::string(i < 6 ? kZhang : kLi);
    access.caseNumber = i % 3 == 0 ? "LS-2026-000123" : "LS-2026-000999";
    if (i >= 8) {
      access.client = "tax-app";
      access.department = "Tax Bureau";
      access.purpose = "tax";
    }
    access.fields = {{"person.name", "ok"}, {"fund.balance", i == 4 ? "denied" : "ok"}};
    writer.add(access);
  }
}

inline void everyFilterNarrows(const std::string& connection) {
  odbc::OdbcClient client(connection, "audit store");
  StoreWriter writer(client);
  fillTen(writer);
  writer.addEvent("gw-a", at(20), "admin");
  AuditSearch search(client);
  using Filter = AuditSearch::Filter;
  const auto find = [&search](Filter filter) {
    filter.limit = AuditSearch::kMaxLimit;
    return timesOf(search.find(filter).records);
  };
  EXPECT_EQ(find({}).size(), 11U);
  Filter bySubject;
  bySubject.subjectHashes = {{subjectIndexHash(kHashKey, "person", kLi)}};
  EXPECT_THAT(find(bySubject), ::testing::ElementsAre(at(6), at(7), at(8), at(9)));
  bySubject.subjectHashes = std::vector<std::string>{};
  EXPECT_TRUE(find(bySubject).empty());
  Filter byCase;
  byCase.caseNumber = "LS-2026-000123";
  EXPECT_THAT(find(byCase), ::testing::ElementsAre(at(0), at(3), at(6), at(9)));
  Filter byClient;
  byClient.client = "tax-app";
  EXPECT_THAT(find(byClient), ::testing::ElementsAre(at(8), at(9)));
  Filter byDepartment;
  byDepartment.department = "Organisation Department";
  EXPECT_EQ(find(byDepartment).size(), 8U);
  Filter byPurpose;
  byPurpose.purpose = "tax";
  EXPECT_THAT(find(byPurpose), ::testing::ElementsAre(at(8), at(9)));
  Filter byField;
  byField.field = "fund.balance";
  EXPECT_EQ(find(byField).size(), 10U);
  byField.field = "person.none";
  EXPECT_TRUE(find(byField).empty());
  Filter byOutcome;
  byOutcome.outcome = "denied";
  EXPECT_THAT(find(byOutcome), ::testing::ElementsAre(at(4)));
  byOutcome.field = "person.name";  // that field's outcome, not any field's
  EXPECT_TRUE(find(byOutcome).empty());
  byOutcome.field = "fund.balance";
  EXPECT_THAT(find(byOutcome), ::testing::ElementsAre(at(4)));
  Filter byTime;
  byTime.since = at(3);  // inclusive
  byTime.until = at(5);  // exclusive
  EXPECT_THAT(find(byTime), ::testing::ElementsAre(at(3), at(4)));
  Filter combined;
  combined.subjectHashes = {{subjectIndexHash(kHashKey, "person", kZhang)}};
  combined.caseNumber = "LS-2026-000123";
  combined.since = at(1);
  EXPECT_THAT(find(combined), ::testing::ElementsAre(at(3)));
  // Values are bound, never spliced: a quote is just a character that matches nothing.
  Filter hostile;
  hostile.client = "x' OR '1'='1";
  EXPECT_TRUE(find(hostile).empty());
}

inline void recordsAreTheLinesAsWrittenWithTheirColumns(const std::string& connection) {
  odbc::OdbcClient client(connection, "audit store");
  StoreWriter writer(client);
  Access access;
  access.time = at(1);
  access.caseNumber = "LS-1";
  access.fields = {{"person.name", "ok"}, {"fund.balance", "unavailable"}};
  writer.add(access);
  const auto stored = client.query("SELECT line FROM oncegate_audit_records");
  ASSERT_EQ(stored.size(), 1U);
  AuditSearch search(client);
  const auto page = search.find({});
  ASSERT_EQ(page.records.size(), 1U);
  const auto& record = page.records[0];
  EXPECT_EQ(record.line, stored[0].values[0].text());
  EXPECT_EQ(record.instance, "gw-a");
  EXPECT_EQ(record.seq, 1);
  EXPECT_EQ(record.time, at(1));
  EXPECT_EQ(record.event, "access");
  EXPECT_EQ(record.route, "/v1/resolve");
  EXPECT_EQ(record.status, 200);
  EXPECT_EQ(record.client, "retirement-app");
  EXPECT_EQ(record.department, "Organisation Department");
  EXPECT_EQ(record.caseNumber, "LS-1");
  EXPECT_EQ(record.subjectType, "person");
  EXPECT_THAT(
      record.fields,
      ::testing::ElementsAre(std::pair<std::string, std::string>("person.name", "ok"),
                             std::pair<std::string, std::string>("fund.balance", "unavailable")));
  EXPECT_FALSE(page.next.has_value());
}

inline void pagesFollowTimeInstanceSeqWithoutRepeatOrGap(const std::string& connection) {
  odbc::OdbcClient client(connection, "audit store");
  StoreWriter writer(client);
  // Equal times on both instances and within one: the order is time, then instance, then seq.
  std::vector<std::pair<std::string, std::int64_t>> expected;
  for (int i = 0; i < 7; ++i) {
    for (const std::string instance : {"gw-b", "gw-a"}) {
      Access access;
      access.instance = instance;
      access.time = at(i / 2);
      writer.add(access);
    }
  }
  for (int minute = 0; minute <= 3; ++minute) {
    for (const std::string instance : {"gw-a", "gw-b"}) {
      for (int i = 0; i < 7; ++i) {
        if (i / 2 == minute) expected.emplace_back(instance, i + 1);
      }
    }
  }
  AuditSearch search(client);
  AuditSearch::Filter filter;
  filter.limit = 3;
  std::vector<std::pair<std::string, std::int64_t>> seen;
  int pages = 0;
  while (true) {
    const auto page = search.find(filter);
    ++pages;
    EXPECT_LE(page.records.size(), 3U);
    for (const auto& record : page.records) seen.emplace_back(record.instance, record.seq);
    if (!page.next) break;
    filter.cursor = page.next;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 5);  // 14 records, 3 a page

  // A record shipped after a page was read comes in its place on a later page.
  filter = {};
  filter.limit = 5;
  const auto first = search.find(filter);
  Access late;
  late.instance = "gw-c";
  late.time = at(59);
  writer.add(late);
  filter.cursor = first.next;
  filter.limit = AuditSearch::kMaxLimit;
  const auto rest = search.find(filter);
  EXPECT_EQ(first.records.size() + rest.records.size(), 15U);
  EXPECT_EQ(rest.records.back().instance, "gw-c");
}

inline void theLimitIsClampedAndABadCursorRefused(const std::string& connection) {
  odbc::OdbcClient client(connection, "audit store");
  StoreWriter writer(client);
  for (int i = 0; i < 3; ++i) {
    Access access;
    access.time = at(i);
    writer.add(access);
  }
  AuditSearch search(client);
  AuditSearch::Filter filter;
  filter.limit = 0;
  const auto one = search.find(filter);
  EXPECT_EQ(one.records.size(), 1U);
  ASSERT_TRUE(one.next.has_value());
  for (const std::string cursor :
       {"not base64!", "djEKMjAyNg", "eDEKMjAyNgoxCmd3LWE", "djEKMjAyNi0xMi0wNQp4Cmd3LWE"}) {
    filter.cursor = cursor;
    try {
      search.find(filter);
      ADD_FAILURE() << "accepted cursor " << cursor;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest) << cursor;
    }
  }
}

inline void theCitizenSeesDataAccessesOnlyAndConfidentialOnesFromTheirDay(
    const std::string& connection) {
  odbc::OdbcClient client(connection, "audit store");
  StoreWriter writer(client);
  const auto add = [&writer](int minute, auto change) {
    Access access;
    access.time = at(minute);
    change(access);
    writer.add(access);
  };
  add(1, [](Access&) {});
  add(2, [](Access& a) { a.route = "/v1/verify"; });
  add(3, [](Access& a) { a.route = "/v1/forms/retirement/prefill"; });
  add(4, [](Access& a) { a.route = "/v1/accesses"; });  // the portal's own listing
  add(5, [](Access& a) { a.status = 403; });            // refused: nothing was read
  add(6, [](Access& a) { a.subjectId = std::string(kLi); });
  add(7, [](Access& a) { a.discloseAfter = "2026-12-05"; });  // visible on its day
  add(8, [](Access& a) { a.discloseAfter = "2026-12-06"; });  // hidden until tomorrow
  add(9, [](Access& a) { a.route = "/v1/forms/x/other"; });
  writer.addEvent("gw-a", at(10), "admin");
  AuditSearch search(client);
  const auto zhang = subjectIndexHash(kHashKey, "person", kZhang);
  EXPECT_THAT(timesOf(search.accessesOf(zhang, at(0), at(59), "2026-12-05")),
              ::testing::ElementsAre(at(1), at(2), at(3), at(7)));
  EXPECT_THAT(timesOf(search.accessesOf(zhang, at(0), at(59), "2026-12-06")),
              ::testing::ElementsAre(at(1), at(2), at(3), at(7), at(8)));
  EXPECT_THAT(timesOf(search.accessesOf(zhang, at(2), at(3), "2027-01-01")),
              ::testing::ElementsAre(at(2)));
}

}  // namespace oncegate::auditsearchchecks
