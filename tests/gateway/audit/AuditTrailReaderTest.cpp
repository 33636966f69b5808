#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "AuditTestFiles.h"
#include "common/JsonWriter.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/audit/FileAuditLog.h"

namespace oncegate {
namespace {

using namespace std::chrono_literals;
using testing::readLines;
using testing::TempDir;
using Filter = AuditTrailReader::Filter;

// A record as ApiHandler writes it, at minute `minute` after 2026-03-01T00:00:00Z.
std::string record(int minute, const std::string& route, const std::string& client,
                   const std::string& caseNumber = "LS-2026-000123") {
  std::string out;
  JsonWriter json(out);
  char time[40];  // room for any int minute, so the output is never truncated
  std::snprintf(time, sizeof time, "2026-03-%02dT%02d:%02d:00.250Z", 1 + minute / 1440,
                minute / 60 % 24, minute % 60);
  json.beginObject()
      .key("time")
      .string(time)
      .key("request_id")
      .string("req-" + std::to_string(minute));
  json.key("route").string(route).key("status").integer(200).key("client").string(client);
  // Multi-byte text on every line, so that block boundaries fall inside characters.
  json.key("purpose").string("退休").key("case").string(caseNumber);
  json.key("subject").beginObject().key("type").string("person");
  json.key("id_card").string("330102196001010011").endObject();
  json.key("fields").beginObject().key("person.name").string("ok");
  json.key("fund.balance").string("denied").endObject();
  json.key("datasets").beginArray().endArray().endObject();
  return out;
}

// `count` data requests, one a minute, through the real writer; returns the lines written.
std::vector<std::string> writeTrail(const std::filesystem::path& path, int count) {
  {
    FileAuditLog log(path, AuditConfig::Durability::Strict);
    for (int i = 0; i < count; ++i) log.append(record(i, "/v1/resolve", "retirement-app"), {});
  }
  return readLines(path);
}

AuditTrailReader::TimePoint at(int minute) {
  return *AuditTrailReader::parseTime("2026-03-01T00:00:00Z") + std::chrono::minutes(minute);
}

bool insideCharacter(const std::string& bytes, std::size_t offset) {
  return offset < bytes.size() && (static_cast<unsigned char>(bytes[offset]) & 0xC0) == 0x80;
}

TEST(AuditTrailReaderTest, ReadsEveryLineNewestFirstAcrossBlockBoundaries) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto written = writeTrail(path, 300);
  constexpr std::size_t kBlock = 37;  // small and odd: boundaries land everywhere
  const auto bytes = testing::readFile(path);
  bool splitsACharacter = false;
  for (std::size_t end = bytes.size(); end > kBlock; end -= kBlock) {
    splitsACharacter = splitsACharacter || insideCharacter(bytes, end - kBlock);
  }
  ASSERT_TRUE(splitsACharacter) << "the test must cut a UTF-8 sequence at a block boundary";

  Filter filter;
  filter.limit = 1000;
  const auto read = AuditTrailReader(path, kBlock).recentLines(filter);
  ASSERT_EQ(read.lines.size(), 300U);
  for (std::size_t i = 0; i < read.lines.size(); ++i) {
    ASSERT_EQ(read.lines[i], written[written.size() - 1 - i]) << "line " << i;
  }
  EXPECT_EQ(read.scan.linesRead, 300U);
  EXPECT_EQ(read.scan.skipped, 0U);
  EXPECT_FALSE(read.scan.limitReached);
  EXPECT_FALSE(read.scan.budgetExhausted);
}

TEST(AuditTrailReaderTest, ALimitKeepsTheNewestAndStopsReading) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto written = writeTrail(path, 50);
  Filter filter;
  filter.limit = 3;
  const auto read = AuditTrailReader(path, 128).recentLines(filter);
  ASSERT_EQ(read.lines.size(), 3U);
  EXPECT_EQ(read.lines[0], written[49]);
  EXPECT_EQ(read.lines[2], written[47]);
  EXPECT_TRUE(read.scan.limitReached);
  EXPECT_EQ(read.scan.linesRead, 3U);
}

TEST(AuditTrailReaderTest, TheLimitIsCapped) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  writeTrail(path, static_cast<int>(AuditTrailReader::kMaxLimit) + 20);
  Filter filter;
  filter.limit = 1'000'000;
  const auto read = AuditTrailReader(path).recentLines(filter);
  EXPECT_EQ(read.lines.size(), AuditTrailReader::kMaxLimit);
  EXPECT_TRUE(read.scan.limitReached);
  filter.limit = 0;  // clamped up: an answer holds at least one record
  EXPECT_EQ(AuditTrailReader(path).recentLines(filter).lines.size(), 1U);
}

TEST(AuditTrailReaderTest, TornAndMalformedLinesAreSkippedAndCounted) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  auto written = writeTrail(path, 5);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    // A line that ends the way chained lines end but is not JSON, then a torn last line.
    out << "{\"time\":\"2026-03-31T09:00:00Z\",,\"prev\":\"" << std::string(64, 'a') << "\"}\n";
    const auto next = record(70, "/v1/resolve", "retirement-app");
    out << next.substr(0, next.size() / 2);
  }
  Filter filter;
  filter.limit = 100;
  const auto read = AuditTrailReader(path, 64).recentLines(filter);
  EXPECT_EQ(read.scan.skipped, 2U);
  EXPECT_EQ(read.scan.linesRead, 7U);
  ASSERT_EQ(read.lines.size(), 5U);
  EXPECT_EQ(read.lines.front(), written[4]);
}

TEST(AuditTrailReaderTest, ATimeWindowIsHalfOpenAndEndsTheScan) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto written = writeTrail(path, 120);
  Filter filter;
  filter.limit = 1000;
  filter.since = at(30);          // records are at :00.250, so minute 30's record is inside
  filter.until = at(40) + 250ms;  // and minute 40's is outside
  const auto read = AuditTrailReader(path, 256).recentLines(filter);
  ASSERT_EQ(read.lines.size(), 10U);
  EXPECT_EQ(read.lines.front(), written[39]);
  EXPECT_EQ(read.lines.back(), written[30]);
  EXPECT_FALSE(read.scan.limitReached);
  // It stopped at the first record clearly older than `since`, not at the start of the file.
  EXPECT_EQ(read.scan.linesRead, 120U - 29U);
}

TEST(AuditTrailReaderTest, FiltersOnRouteAndClient) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, AuditConfig::Durability::Strict);
    log.append(record(0, "/v1/resolve", "retirement-app"), {});
    log.append(record(1, "/v1/verify", "tax-app"), {});
    log.append(record(2, "/admin/v1/policies/x", "sec-li"), {});
    log.append(record(3, "/v1/resolve", "tax-app"), {});
  }
  Filter filter;
  filter.routes = {"/v1/resolve", "/v1/verify"};
  filter.client = "tax-app";
  const auto read = AuditTrailReader(path).recentLines(filter);
  ASSERT_EQ(read.lines.size(), 2U);
  EXPECT_THAT(read.lines[0], ::testing::HasSubstr("\"request_id\":\"req-3\""));
  EXPECT_THAT(read.lines[1], ::testing::HasSubstr("\"request_id\":\"req-1\""));

  filter.routes = {"/admin/v1/*"};
  filter.client.reset();
  const auto admin = AuditTrailReader(path).recentLines(filter);
  ASSERT_EQ(admin.lines.size(), 1U);
  EXPECT_THAT(admin.lines[0], ::testing::HasSubstr("\"request_id\":\"req-2\""));
  filter.routes = {"/admin/v1"};  // without '*' a route matches exactly
  EXPECT_TRUE(AuditTrailReader(path).recentLines(filter).lines.empty());
}

TEST(AuditTrailReaderTest, DataRequestsKeepNoSubjectAndNoCaseNumber) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, AuditConfig::Durability::Strict);
    log.append(record(0, "/v1/resolve", "retirement-app", ""), {});
    log.append(record(1, "/admin/v1/policies/x", "sec-li"), {});
    log.append(R"({"time":"2026-03-01T00:02:00.000Z","request_id":"req-2","route":"/v1/resolve",)"
               R"("status":401,"client":null,"purpose":"","case":"","subject":{"type":""},)"
               R"("fields":{},"datasets":[]})",
               {});
    log.append(record(3, "/v1/verify", "retirement-app"), {});
  }
  const auto read = AuditTrailReader(path).recentRequests({});
  ASSERT_EQ(read.requests.size(), 2U);
  const auto& newest = read.requests[0];
  EXPECT_EQ(newest.requestId, "req-3");
  EXPECT_EQ(newest.route, "/v1/verify");
  EXPECT_EQ(newest.time, "2026-03-01T00:03:00.250Z");
  EXPECT_EQ(newest.status, 200U);
  EXPECT_EQ(newest.client, "retirement-app");
  EXPECT_EQ(newest.purpose, "退休");
  EXPECT_TRUE(newest.casePresent);
  using Recorded = std::pair<std::string, std::string>;
  EXPECT_THAT(newest.fields, ::testing::ElementsAre(Recorded{"person.name", "ok"},
                                                    Recorded{"fund.balance", "denied"}));
  EXPECT_EQ(read.requests[1].requestId, "req-0");
  EXPECT_FALSE(read.requests[1].casePresent);
  EXPECT_EQ(read.scan.skipped, 0U);
}

TEST(AuditTrailReaderTest, APrefillsFormAndADatasetsLatencyAreHarmless) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, AuditConfig::Durability::Strict);
    log.append(R"({"time":"2026-03-01T00:00:00.000Z","request_id":"req-0","route":"/v1/resolve",)"
               R"("status":200,"client":"portal","department":"hrss","purpose":"p","case":"",)"
               R"("subject":{"type":"person"},"form":"f","form_total":3,"fields":{"a":"ok"},)"
               R"("datasets":[{"id":"d","source":"s","from":"source","ms":1.234,)"
               R"("outcome":"found"}]})",
               {});
  }
  const auto read = AuditTrailReader(path).recentRequests({});
  ASSERT_EQ(read.requests.size(), 1U);
  EXPECT_EQ(read.requests[0].client, "portal");
  EXPECT_EQ(read.requests[0].fields.size(), 1U);
  EXPECT_EQ(read.scan.skipped, 0U);
}

TEST(AuditTrailReaderTest, EachLineReadsEveryMatchingLinePastTheLimit) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  {
    FileAuditLog log(path, AuditConfig::Durability::Batch);
    for (int i = 0; i < 1200; ++i) log.append(record(i, "/v1/resolve", "retirement-app"), {});
    log.append(record(1200, "/admin/v1/policies/x", "sec-li"), {});
  }
  Filter filter;
  filter.since = at(100);
  filter.routes = {"/v1/*"};
  std::vector<std::string> seen;
  const auto scan = AuditTrailReader(path).eachLine(
      filter, [&](std::string_view line) { seen.emplace_back(line); });
  ASSERT_EQ(seen.size(), 1100U);
  EXPECT_NE(seen.front().find("\"req-1199\""), std::string::npos);
  EXPECT_NE(seen.back().find("\"req-100\""), std::string::npos);
  EXPECT_FALSE(scan.limitReached);
}

TEST(AuditTrailReaderTest, AScanBudgetBoundsTheBytesRead) {
  TempDir dir;
  const auto path = dir.path() / "audit.jsonl";
  writeTrail(path, 100);
  Filter filter;
  filter.client = "nobody";
  filter.scanBudget = 1024;
  const auto read = AuditTrailReader(path, 256).recentLines(filter);
  EXPECT_TRUE(read.lines.empty());
  EXPECT_TRUE(read.scan.budgetExhausted);
  EXPECT_LT(read.scan.linesRead, 10U);
}

TEST(AuditTrailReaderTest, AMissingFileHasNoRecords) {
  TempDir dir;
  const auto read = AuditTrailReader(dir.path() / "none.jsonl").recentLines({});
  EXPECT_TRUE(read.lines.empty());
  EXPECT_EQ(read.scan.linesRead, 0U);
}

TEST(AuditTrailReaderTest, ParsesTimesOfTheAuditFormatAndQueryParameters) {
  using std::chrono::sys_days;
  const auto day = sys_days(std::chrono::year(2026) / 3 / 31);
  EXPECT_EQ(AuditTrailReader::parseTime("2026-03-31"), day);
  EXPECT_EQ(AuditTrailReader::parseTime("2026-03-31T17:45:10Z"), day + 17h + 45min + 10s);
  EXPECT_EQ(AuditTrailReader::parseTime("2026-03-31T17:45:10.123Z"),
            day + 17h + 45min + 10s + 123ms);
  for (const char* bad : {"", "2026-3-31", "2026-02-30", "2026-03-31T24:00:00Z",
                          "2026-03-31T17:45:10", "2026-03-31T17:45:10.Z", "2026-03-31 17:45:10Z",
                          "2026-03-31T17:45:10+08:00", "2999-01-01", "1969-12-31"}) {
    EXPECT_FALSE(AuditTrailReader::parseTime(bad).has_value()) << bad;
  }
}

TEST(AuditTrailReaderTest, ReadingGoesOnIntoRotatedFilesNewestFirst) {
  TempDir dir;
  const auto path = dir.path() / "trail.jsonl";
  {
    // Rotated every few records: the trail spans several files.
    FileAuditLog log(path, AuditConfig::Durability::Strict, 2000);
    for (int i = 0; i < 20; ++i) {
      std::promise<bool> written;
      log.append(record(i, "/v1/resolve", "retirement-app"),
                 [&written](bool recorded) { written.set_value(recorded); });
      ASSERT_TRUE(written.get_future().get());
    }
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  ASSERT_GE(files, 3u);

  const AuditTrailReader reader(path);
  Filter filter;
  filter.limit = 20;
  filter.routes = {"/v1/resolve"};
  const auto found = reader.recentLines(filter);
  ASSERT_EQ(found.lines.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_NE(
        found.lines[static_cast<std::size_t>(i)].find("\"req-" + std::to_string(19 - i) + "\""),
        std::string::npos);
  }
  EXPECT_EQ(found.scan.skipped, 0u);  // rotation records are records, just not requests
  EXPECT_EQ(reader.recentRequests(filter).requests.size(), 20u);
  // Without a route filter the rotation records come too.
  Filter all;
  all.limit = 100;
  EXPECT_GT(reader.recentLines(all).lines.size(), 20u);
}

}  // namespace
}  // namespace oncegate
