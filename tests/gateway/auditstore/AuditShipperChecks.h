#pragma once

// The behaviours of AuditShipper, written once and run against SQLite (AuditShipperTest) and the
// real PostgreSQL (AuditShipperPostgresTest), given a connection string to an empty database.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/Digest.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/audit/FileAuditLog.h"
#include "gateway/auditstore/AuditShipper.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate::shipperchecks {

using namespace std::chrono_literals;

inline constexpr std::string_view kHashKey = "a-hash-key-of-at-least-thirty-two-chars";
inline constexpr auto kWait = 20s;

// A fresh directory under /tmp for one test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("oncegate-shipper-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A data request record as DataRequestService writes it, number `n`.
inline std::string accessRecord(int n) {
  return "{\"time\":\"2026-01-05T01:02:03.456Z\",\"request_id\":\"r" + std::to_string(n) +
         "\",\"route\":\"/v1/resolve\",\"status\":200,\"client\":\"retirement-app\","
         "\"department\":\"hrss\",\"purpose\":\"retirement\",\"case\":\"LS-" +
         std::to_string(n) + "\",\"subject\":{\"type\":\"person\",\"id_card\":\"33010219600101" +
         std::to_string(1000 + n % 10) +
         "\"},\"fields\":{\"person.name\":\"ok\",\"fund.balance\":\"denied\"},\"datasets\":[]}";
}

// Appends chained lines to `file` by hand (for torn lines and rotations the writer makes only
// after a crash or 1 MiB); returns the hash of the last.
inline std::string appendChained(const std::filesystem::path& file, std::string prev,
                                 const std::vector<std::string>& records) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  for (const auto& record : records) {
    const auto line = AuditLine::chain(AuditLine::prepare(record), prev);
    prev = sha256Hex(line);
    out << line << '\n';
  }
  return prev;
}

inline std::vector<std::string> readLinesOf(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline void writeLinesTo(const std::filesystem::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  for (const auto& line : lines) out << line << '\n';
}

inline AuditShipper::Options options(const std::string& store, const std::filesystem::path& path,
                                     std::string instance = "gw-a") {
  AuditShipper::Options o;
  o.store = store;
  o.instance = std::move(instance);
  o.path = path;
  o.hashKey = std::string(kHashKey);
  o.pollInterval = 20ms;
  o.firstRetryDelay = 20ms;
  o.maxRetryDelay = 200ms;
  o.stopBound = 3000ms;
  return o;
}

inline std::int64_t count(odbc::OdbcClient& client, const std::string& sql) {
  return client.query(sql).at(0).values.at(0).asInt();
}

// Every row of `instance` in seq order: 1..n, each line's hash stored and the next row's prev.
inline void expectChainFromTheStore(odbc::OdbcClient& client, const std::string& instance,
                                    std::int64_t lines) {
  const auto rows = client.query(
      "SELECT seq, line, line_sha256, prev FROM oncegate_audit_records WHERE instance = ? "
      "ORDER BY seq",
      {Value::string(instance)});
  ASSERT_EQ(static_cast<std::int64_t>(rows.size()), lines);
  std::string prev(AuditLine::kFirstPrev);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& v = rows[i].values;
    ASSERT_EQ(v.at(0).asInt(), static_cast<std::int64_t>(i + 1));
    ASSERT_EQ(v.at(2).toString(), sha256Hex(v.at(1).toString())) << "seq " << i + 1;
    ASSERT_EQ(v.at(3).toString(), prev) << "seq " << i + 1;
    ASSERT_EQ(AuditLine::prevOf(v.at(1).toString()).value_or(""), prev) << "seq " << i + 1;
    prev = v.at(2).toString();
  }
}

// What the real writer wrote is stored line by line with its columns, in batches, and the
// position says how far.
inline void shipsEveryLineWithItsColumns(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  constexpr int kRecords = 1234;  // three batches
  {
    FileAuditLog log(path, AuditConfig::Durability::Batch);
    for (int n = 0; n < kRecords; ++n) log.append(accessRecord(n), {});
    log.flush();
  }
  AuditShipper shipper(options(store, path));
  ASSERT_TRUE(shipper.waitShipped(kRecords, kWait));
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", kRecords);
  const auto row = client.query(
      "SELECT event, request_id, route, status, client, department, purpose, case_number, "
      "subject_type, subject_hash, disclose_after FROM oncegate_audit_records WHERE instance = "
      "'gw-a' AND seq = 8");
  ASSERT_EQ(row.size(), 1U);
  const auto& v = row[0].values;
  EXPECT_EQ(v.at(0).toString(), "access");
  EXPECT_EQ(v.at(1).toString(), "r7");
  EXPECT_EQ(v.at(2).toString(), "/v1/resolve");
  EXPECT_EQ(v.at(3).asInt(), 200);
  EXPECT_EQ(v.at(4).toString(), "retirement-app");
  EXPECT_EQ(v.at(5).toString(), "hrss");
  EXPECT_EQ(v.at(6).toString(), "retirement");
  EXPECT_EQ(v.at(7).toString(), "LS-7");
  EXPECT_EQ(v.at(8).toString(), "person");
  EXPECT_EQ(v.at(9).toString(), subjectIndexHash(kHashKey, "person", "330102196001011007"));
  EXPECT_EQ(v.at(10).toString(), "");
  EXPECT_EQ(count(client, "SELECT COUNT(*) FROM oncegate_audit_fields WHERE instance = 'gw-a'"),
            2 * kRecords);
  EXPECT_EQ(count(client,
                  "SELECT COUNT(*) FROM oncegate_audit_fields WHERE instance = 'gw-a' AND seq = 8 "
                  "AND field = 'fund.balance' AND outcome = 'denied'"),
            1);
  const auto position = client.query(
      "SELECT seq, last_sha256, file_offset, file_first_sha256 FROM oncegate_audit_shipping "
      "WHERE instance = 'gw-a'");
  ASSERT_EQ(position.size(), 1U);
  EXPECT_EQ(position[0].values.at(0).asInt(), kRecords);
  EXPECT_EQ(static_cast<std::uintmax_t>(position[0].values.at(2).asInt()),
            std::filesystem::file_size(path));
  const auto stats = shipper.stats();
  EXPECT_EQ(stats.shippedRecords, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(stats.backlogBytes, 0U);
  EXPECT_EQ(stats.lagSeconds, 0.0);
  EXPECT_EQ(stats.failures, 0U);
}

// A restarted shipper goes on from the stored position: nothing twice, nothing left out; and
// what the writer appends while the shipper runs is shipped too.
inline void resumesAfterARestart(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, AuditConfig::Durability::Strict);
  const auto append = [&](int from, int to) {
    for (int n = from; n < to; ++n) log.append(accessRecord(n), [](bool) {});
    log.flush();
  };
  append(0, 10);
  {
    AuditShipper shipper(options(store, path));
    ASSERT_TRUE(shipper.waitShipped(10, kWait));
    append(10, 25);  // while it runs
    ASSERT_TRUE(shipper.waitShipped(25, kWait));
  }
  append(25, 40);  // while none runs
  AuditShipper again(options(store, path));
  ASSERT_TRUE(again.waitShipped(40, kWait));
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", 40);
  EXPECT_EQ(again.stats().shippedRecords, 15U);
}

// Rotated files are shipped in order, the torn line a crash left is skipped (the next line
// chains to the last whole one), and a checkpoint line also goes to the checkpoints.
inline void followsRotationSkipsTornLinesAndKeepsCheckpoints(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto rotated = dir.path() / "audit.jsonl.20261205T010000Z";
  auto last = appendChained(rotated, std::string(AuditLine::kFirstPrev),
                            {accessRecord(0), accessRecord(1)});
  {
    std::ofstream out(rotated, std::ios::binary | std::ios::app);
    out << "{\"time\":\"2026-12-05T01:02:03.456Z\",\"request_id\":\"torn\",\"rou\n";
  }
  last = appendChained(rotated, last, {accessRecord(2)});
  const std::string checkpoint =
      "{\"time\":\"2026-12-05T01:02:04.000Z\",\"event\":\"audit_checkpoint\",\"records\":4,"
      "\"head\":\"" +
      last + "\",\"kid\":\"2026-12\",\"signature\":\"c2lnbmF0dXJl\"}";
  last = appendChained(rotated, last, {checkpoint});
  appendChained(path, last,
                {"{\"time\":\"2026-12-05T01:02:05.000Z\",\"event\":\"audit_log_rotated\","
                 "\"continues\":\"audit.jsonl.20261205T010000Z\"}",
                 accessRecord(3)});
  AuditShipper shipper(options(store, path));
  ASSERT_TRUE(shipper.waitShipped(6, kWait));
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", 6);
  EXPECT_EQ(count(client, "SELECT COUNT(*) FROM oncegate_audit_records WHERE request_id = 'torn'"),
            0);
  EXPECT_EQ(count(client,
                  "SELECT COUNT(*) FROM oncegate_audit_records WHERE seq = 5 AND "
                  "event = 'audit_log_rotated'"),
            1);
  const auto checkpoints =
      client.query("SELECT seq, records, head, kid, signature FROM oncegate_audit_checkpoints");
  ASSERT_EQ(checkpoints.size(), 1U);
  EXPECT_EQ(checkpoints[0].values.at(0).asInt(), 4);
  EXPECT_EQ(checkpoints[0].values.at(1).asInt(), 4);
  EXPECT_EQ(checkpoints[0].values.at(3).toString(), "2026-12");
  EXPECT_EQ(checkpoints[0].values.at(4).toString(), "c2lnbmF0dXJl");
}

// The real writer rotates the trail (at 1 MiB) while the shipper reads it: the shipper follows
// each rotated file to its end, then the file that continues it; every line once, in order.
inline void followsTheWriterAcrossLiveRotations(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  FileAuditLog log(path, AuditConfig::Durability::Batch, kMinAuditRotateBytes);
  AuditShipper shipper(options(store, path));
  constexpr int kRecords = 9000;  // about 3.4 MiB: three rotations
  for (int n = 0; n < kRecords; ++n) {
    log.append(accessRecord(n), {});
    if (n % 1000 == 999) log.flush();
  }
  log.flush();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files += entry.path().filename().string().starts_with("audit.jsonl") ? 1 : 0;
  }
  ASSERT_GE(files, 3U);
  // Every record and each rotation record.
  const auto lines = static_cast<std::int64_t>(kRecords + files - 1);
  ASSERT_TRUE(shipper.waitShipped(lines, kWait)) << shipper.shippedSeq() << " of " << lines;
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", lines);
  EXPECT_EQ(count(client,
                  "SELECT COUNT(*) FROM oncegate_audit_records WHERE event = "
                  "'audit_log_rotated'"),
            static_cast<std::int64_t>(files - 1));
}

// The oldest file left begins with a rotation record that says where it stands in the chain
// (its "records"): the store's seqs follow it, and the chain from the database notes the start.
inline void startsAtTheCountTheOldestRotationRecordGives(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  shipperchecks::appendChained(
      path, std::string(64, 'b'),
      {"{\"time\":\"2026-01-05T01:02:05.000Z\",\"event\":\"audit_log_rotated\","
       "\"continues\":\"audit.jsonl.removed\",\"records\":1001}",
       accessRecord(1), accessRecord(2)});
  AuditShipper shipper(options(store, path));
  ASSERT_TRUE(shipper.waitShipped(1003, kWait));
  odbc::OdbcClient client(store, "audit store");
  EXPECT_EQ(count(client, "SELECT MIN(seq) FROM oncegate_audit_records"), 1001);
  EXPECT_EQ(count(client, "SELECT MAX(seq) FROM oncegate_audit_records"), 1003);
}

// The trail was replaced after shipping: the shipper does not ship a trail that does not
// continue what the store holds, says so, and counts it.
inline void stopsWhenTheTrailDoesNotContinueWhatWasShipped(const std::string& store) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  appendChained(path, std::string(AuditLine::kFirstPrev), {accessRecord(0), accessRecord(1)});
  {
    AuditShipper shipper(options(store, path));
    ASSERT_TRUE(shipper.waitShipped(2, kWait));
  }
  std::filesystem::remove(path);
  appendChained(path, std::string(AuditLine::kFirstPrev),
                {accessRecord(5), accessRecord(6), accessRecord(7)});
  AuditShipper shipper(options(store, path));
  EXPECT_FALSE(shipper.waitShipped(3, kWait));
  const auto stats = shipper.stats();
  EXPECT_TRUE(stats.halted);
  EXPECT_GE(stats.failures, 1U);
  EXPECT_EQ(stats.shippedRecords, 0U);
  // What waits is shown (an upper bound: the whole file) for as long as nothing ships.
  EXPECT_EQ(stats.backlogBytes, std::filesystem::file_size(path));
  EXPECT_GT(stats.lagSeconds, 0.0);
  odbc::OdbcClient client(store, "audit store");
  EXPECT_EQ(count(client, "SELECT COUNT(*) FROM oncegate_audit_records"), 2);
}

// Two processes that claim one instance name, with different trails: the position's
// compare-and-set (or, when one has shipped already, the resume check) lets one of them ship,
// the other is refused and says so; the store holds one whole chain, never lines of both.
inline void twoShippersOfOneInstanceNeverInterleave(const std::string& store) {
  TempDir dir;
  std::vector<std::string> first;
  std::vector<std::string> second;
  for (int n = 0; n < 1200; ++n) {
    first.push_back(accessRecord(n));
    second.push_back(accessRecord(5000 + n));
  }
  appendChained(dir.path() / "a.jsonl", std::string(AuditLine::kFirstPrev), first);
  appendChained(dir.path() / "b.jsonl", std::string(AuditLine::kFirstPrev), second);
  AuditShipper a(options(store, dir.path() / "a.jsonl"));
  AuditShipper b(options(store, dir.path() / "b.jsonl"));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!(a.stats().halted || b.stats().halted) && std::chrono::steady_clock::now() < deadline) {
    a.waitShipped(1200, 20ms);
  }
  ASSERT_TRUE(a.stats().halted || b.stats().halted);
  auto& survivor = a.stats().halted ? b : a;
  EXPECT_FALSE(survivor.stats().halted);
  ASSERT_TRUE(survivor.waitShipped(1200, kWait));
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", 1200);
  const std::string firstId = &survivor == &a ? "r0" : "r5000";
  const std::string lastId = &survivor == &a ? "r1199" : "r6199";
  EXPECT_EQ(count(client,
                  "SELECT COUNT(*) FROM oncegate_audit_records WHERE (seq = 1 AND "
                  "request_id = '" +
                      firstId + "') OR (seq = 1200 AND request_id = '" + lastId + "')"),
            2);
}

// Two instances in one store: their rows are apart, each chain whole.
inline void twoInstancesShipApart(const std::string& store) {
  TempDir dir;
  appendChained(dir.path() / "a.jsonl", std::string(AuditLine::kFirstPrev),
                {accessRecord(0), accessRecord(1), accessRecord(2)});
  appendChained(dir.path() / "b.jsonl", std::string(AuditLine::kFirstPrev),
                {accessRecord(3), accessRecord(4)});
  AuditShipper a(options(store, dir.path() / "a.jsonl", "gw-a"));
  AuditShipper b(options(store, dir.path() / "b.jsonl", "gw-b"));
  ASSERT_TRUE(a.waitShipped(3, kWait));
  ASSERT_TRUE(b.waitShipped(2, kWait));
  odbc::OdbcClient client(store, "audit store");
  expectChainFromTheStore(client, "gw-a", 3);
  expectChainFromTheStore(client, "gw-b", 2);
  EXPECT_EQ(count(client, "SELECT COUNT(*) FROM oncegate_audit_shipping"), 2);
}

}  // namespace oncegate::shipperchecks
