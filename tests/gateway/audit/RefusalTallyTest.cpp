// RefusalTally: requests refused without credentials become one audit record per address and
// interval, with nothing the sender wrote, and the table of addresses stays bounded.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/audit/AuditLog.h"
#include "gateway/audit/RefusalTally.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RecordingAuditLog final : public AuditLog {
 public:
  void append(std::string record, Durable durable) override {
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
    }
    appended_.notify_all();
    durable(true);
  }
  bool healthy() const override { return true; }
  std::vector<std::string> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  bool waitForRecords(std::size_t count) {
    std::unique_lock lock(mutex_);
    return appended_.wait_for(lock, std::chrono::seconds(5),
                              [&] { return records_.size() >= count; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable appended_;
  std::vector<std::string> records_;
};

constexpr std::chrono::hours kNeverByItself{1};

TEST(RefusalTallyTest, AFloodFromOneAddressIsOneRecordWithItsCountAndRoutes) {
  RecordingAuditLog log;
  RefusalTally tally(log, kNeverByItself);
  for (int i = 0; i < 1000; ++i) tally.count("198.51.100.4", "/v1/resolve");
  for (int i = 0; i < 5; ++i) tally.count("198.51.100.4", "/admin/v1/");
  tally.count("2001:db8::1", "/v1/catalog");
  EXPECT_TRUE(log.records().empty()) << "written before the interval ended";

  tally.flush();
  const auto records = log.records();
  ASSERT_EQ(records.size(), 2U);
  EXPECT_THAT(records[0], HasSubstr(R"("event":"unauthenticated_refusals")"));
  EXPECT_THAT(records[0], HasSubstr(R"("remote":"198.51.100.4","count":1005,"from":")"));
  EXPECT_THAT(records[0], HasSubstr(R"("until":")"));
  EXPECT_THAT(records[0], HasSubstr(R"("routes":{"/v1/resolve":1000,"/admin/v1/":5})"));
  EXPECT_THAT(records[1], HasSubstr(R"("remote":"2001:db8::1","count":1,)"));

  // A new interval starts empty.
  tally.flush();
  EXPECT_EQ(log.records().size(), 2U);
}

TEST(RefusalTallyTest, AddressesPastTheBoundAreCountedTogether) {
  RecordingAuditLog log;
  RefusalTally tally(log, kNeverByItself, 3);
  for (int address = 0; address < 10; ++address) {
    tally.count("203.0.113." + std::to_string(address), "/v1/resolve");
  }
  tally.flush();
  const auto records = log.records();
  ASSERT_EQ(records.size(), 4U);
  int others = 0;
  for (const auto& record : records) {
    if (record.find(R"x("remote":"(other)","count":7,)x") != std::string::npos) ++others;
  }
  EXPECT_EQ(others, 1) << ::testing::PrintToString(records);
}

TEST(RefusalTallyTest, RoutesPerAddressAreBounded) {
  RecordingAuditLog log;
  RefusalTally tally(log, kNeverByItself);
  for (std::size_t route = 0; route < 3 * RefusalTally::kMaxRoutesPerAddress; ++route) {
    tally.count("198.51.100.4", "/route/" + std::to_string(route));
  }
  tally.flush();
  const auto records = log.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_THAT(records[0], HasSubstr(R"x("(other)":)x"));
  EXPECT_THAT(records[0],
              Not(HasSubstr("/route/" + std::to_string(RefusalTally::kMaxRoutesPerAddress))));
}

TEST(RefusalTallyTest, TheRecordIsWrittenWhenTheIntervalEnds) {
  RecordingAuditLog log;
  RefusalTally tally(log, std::chrono::milliseconds(20));
  tally.count("198.51.100.4", "/v1/resolve");
  ASSERT_TRUE(log.waitForRecords(1));
  EXPECT_THAT(log.records()[0], HasSubstr(R"("count":1,)"));
}

TEST(RefusalTallyTest, WhatWasCountedIsWrittenWhenItStops) {
  RecordingAuditLog log;
  {
    RefusalTally tally(log, kNeverByItself);
    tally.count("198.51.100.4", "/v1/verify");
    tally.count("198.51.100.4", "/v1/verify");
  }
  const auto records = log.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_THAT(records[0], HasSubstr(R"("count":2,)"));
}

}  // namespace
}  // namespace oncegate
