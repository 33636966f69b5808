#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "gateway/audit/AuditTrailReader.h"
#include "gateway/audit/FileAuditLog.h"
#include "gateway/reports/TrailRecordFeed.h"

namespace oncegate {
namespace {

std::string line(const std::string& time, const std::string& route, const std::string& id) {
  return R"({"time":")" + time + R"(","request_id":")" + id + R"(","route":")" + route +
         R"(","status":200,"client":"c","fields":{},"datasets":[]})";
}

TEST(TrailRecordFeedTest, GivesTheDataRequestsOfThePeriodFromEveryFileOfTheTrail) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "trail-record-feed";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "audit.jsonl";
  {
    // Rotated after about a dozen minutes: the period spans the rotated file and the current one.
    FileAuditLog log(path, AuditConfig::Durability::Batch, 4000);
    for (int minute = 0; minute < 30; ++minute) {
      char time[32];
      std::snprintf(time, sizeof time, "2026-12-05T01:%02d:00.000Z", minute);
      for (const auto& route : {"/v1/resolve", "/admin/v1/audit"}) {
        std::promise<bool> written;
        log.append(line(time, route, std::string(route) + std::to_string(minute)),
                   [&written](bool recorded) { written.set_value(recorded); });
        ASSERT_TRUE(written.get_future().get());
      }
    }
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  ASSERT_GE(files, 2U);

  TrailRecordFeed feed(path);
  EXPECT_EQ(feed.name(), "trail");
  std::vector<std::string> seen;
  feed.each(*AuditTrailReader::parseTime("2026-12-05T01:05:00Z"),
            *AuditTrailReader::parseTime("2026-12-05T01:25:00Z"),
            [&](std::string_view text) { seen.emplace_back(text); });
  ASSERT_EQ(seen.size(), 20U);
  for (const auto& text : seen) EXPECT_THAT(text, ::testing::HasSubstr("/v1/resolve"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace oncegate
