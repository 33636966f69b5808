#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditStoreSchema.h"
#include "gateway/reports/RecentSubjects.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kPrev = std::string(64, '0');

// "2026-12-05T01:MM:SS.000Z" for the second'th second after 01:00.
std::string timeAt(int second) {
  char text[40];
  std::snprintf(text, sizeof text, "2026-12-05T%02d:%02d:%02d.000Z", 1 + second / 3600,
                (second / 60) % 60, second % 60);
  return text;
}

std::string line(int second, const std::string& route, const std::string& subject) {
  return R"({"time":")" + timeAt(second) + R"(","request_id":"r","route":")" + route +
         R"(","status":200,"client":"app","purpose":"p","case":"","subject":)" + subject +
         R"(,"fields":{},"datasets":[],"prev":")" + kPrev + "\"}";
}

std::string person(const std::string& id) { return R"({"type":"person","id_card":")" + id + "\"}"; }

class RecentSubjectsTest : public ::testing::Test {
 protected:
  RecentSubjectsTest() {
    char pattern[] = "/tmp/oncegate-recentsubjects-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    trail_ = directory_ / "audit.jsonl";
  }
  ~RecentSubjectsTest() override { std::filesystem::remove_all(directory_); }

  void write(const std::vector<std::string>& lines) {
    std::ofstream out(trail_, std::ios::app);
    for (const auto& text : lines) out << text << "\n";
  }

  std::filesystem::path directory_;
  std::filesystem::path trail_;
};

TEST_F(RecentSubjectsTest, TakesDistinctDataRequestSubjectsNewestFirst) {
  write({
      line(1, "/v1/resolve", person("A")),
      line(2, "/v1/resolve", R"({"type":"company","uscc":"B"})"),
      // An admin's dry run names a subject, but nobody was served.
      line(3, "/admin/v1/datasets/hr.person/dry-run", person("C")),
      line(4, "/v1/resolve", person("A")),
      line(5, "/v1/forms/retirement/prefill", person("D")),
      line(6, "/v1/verify", person("E")),
      // A request refused before its subject was validated names only the type.
      line(7, "/v1/resolve", R"({"type":"person"})"),
      line(8, "/v1/forms", person("F")),
      R"({"time":")" + timeAt(9) + R"(","route":"/v1/resolve","subject":{"type":"person","id_c)",
  });
  EXPECT_THAT(RecentSubjects::fromTrail(trail_, "person", 10), ElementsAre("E", "D", "A"));
  EXPECT_THAT(RecentSubjects::fromTrail(trail_, "person", 2), ElementsAre("E", "D"));
  EXPECT_THAT(RecentSubjects::fromTrail(trail_, "company", 10), ElementsAre("B"));
  EXPECT_THAT(RecentSubjects::fromTrail(trail_, "vehicle", 10), IsEmpty());
}

TEST_F(RecentSubjectsTest, ReadsPastAPageOfOneSubject) {
  // More records of one subject than one page of the trail holds: the older ones are still
  // reached.
  std::vector<std::string> lines{line(0, "/v1/resolve", person("OLD"))};
  for (int second = 1; second <= 1500; ++second) {
    lines.push_back(line(second, "/v1/resolve", person("NEW")));
  }
  write(lines);
  EXPECT_THAT(RecentSubjects::fromTrail(trail_, "person", 5), ElementsAre("NEW", "OLD"));
}

TEST_F(RecentSubjectsTest, ATrailNotWrittenYetHasNoSubjects) {
  EXPECT_THAT(RecentSubjects::fromTrail(directory_ / "none.jsonl", "person", 5), IsEmpty());
}

TEST_F(RecentSubjectsTest, ReadsTheCentralRecordNewestFirst) {
  odbc::OdbcClient store("Driver=SQLite3;Database=" + (directory_ / "audit.db").string(),
                         "audit store");
  createAuditStoreSchema(store);
  std::int64_t seq = 0;
  const auto add = [&](int second, const std::string& route, const std::string& type,
                       const std::string& subject) {
    const auto text = line(second, route, subject);
    store.execute(
        "INSERT INTO oncegate_audit_records VALUES ('gw-a', ?, ?, 'access', 'r', ?, 200, 'app', "
        "'d', 'p', '', ?, 'h', '', ?, 's', '')",
        {Value::integer(++seq), Value::string(timeAt(second)), Value::string(route),
         Value::string(type), Value::string(text)});
  };
  store.transaction([&] {
    add(1, "/v1/resolve", "person", person("OLD"));
    add(2, "/admin/v1/datasets/x/dry-run", "person", person("ADMIN"));
    add(3, "/v1/forms/retirement/prefill", "person", person("FORM"));
    add(4, "/v1/resolve", "company", R"({"type":"company","uscc":"CO"})");
    // Two pages of one subject, some in the same second, before the newest.
    for (int i = 0; i < 1200; ++i) add(5 + i / 3, "/v1/resolve", "person", person("MANY"));
    add(2000, "/v1/verify", "person", person("NEWEST"));
  });
  EXPECT_THAT(RecentSubjects::fromStore(store, "person", 10),
              ElementsAre("NEWEST", "MANY", "FORM", "OLD"));
  EXPECT_THAT(RecentSubjects::fromStore(store, "person", 1), ElementsAre("NEWEST"));
  EXPECT_THAT(RecentSubjects::fromStore(store, "company", 10), ElementsAre("CO"));
}

TEST(RecentSubjectsLineTest, NamesTheSubjectOfADataRequestOnly) {
  EXPECT_EQ(RecentSubjects::subjectOf(line(1, "/v1/resolve", person("A")), "person"), "A");
  EXPECT_EQ(RecentSubjects::subjectOf(line(1, "/v1/resolve", person("A")), "company"), "");
  EXPECT_EQ(RecentSubjects::subjectOf(line(1, "/admin/v1/cache", person("A")), "person"), "");
  EXPECT_EQ(RecentSubjects::subjectOf("not json", "person"), "");
  EXPECT_EQ(RecentSubjects::subjectOf(R"({"route":"/v1/resolve"})", "person"), "");
}

}  // namespace
}  // namespace oncegate
