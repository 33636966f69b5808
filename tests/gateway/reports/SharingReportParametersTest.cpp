#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/Error.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/reports/SharingReportParameters.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using Parameters = SharingReportParameters;

const auto kNow = *AuditTrailReader::parseTime("2026-12-05T03:04:05.678Z");

Parameters parse(const std::map<std::string, std::string, std::less<>>& given) {
  return Parameters::parse(
      [&given](std::string_view name) -> std::optional<std::string> {
        const auto found = given.find(name);
        if (found == given.end()) return std::nullopt;
        return found->second;
      },
      kNow);
}

// The message of the BadRequest parse() throws.
std::string rejection(const std::map<std::string, std::string, std::less<>>& given) {
  try {
    parse(given);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "accepted";
}

TEST(SharingReportParametersTest, DefaultsToTheLast30DaysByFormDailyAsJson) {
  const auto parameters = parse({});
  // `to` is exclusive: the end of the current second, so that a report asked for right after a
  // request counts it (cut to the second's start, a record made at 03:04:05.100 was left out).
  EXPECT_EQ(Parameters::timeText(parameters.to), "2026-12-05T03:04:06Z");
  EXPECT_EQ(Parameters::timeText(parameters.from), "2026-11-05T03:04:06Z");
  EXPECT_EQ(parameters.by, Parameters::Grouping::Form);
  EXPECT_EQ(parameters.interval, Parameters::Interval::Day);
  EXPECT_EQ(parameters.format, Parameters::Format::Json);
}

TEST(SharingReportParametersTest, ReadsDatesTimesGroupingIntervalAndFormat) {
  const auto parameters = parse({{"from", "2026-12-04"},
                                 {"to", "2026-12-05T03:00:00Z"},
                                 {"by", "source"},
                                 {"format", "csv"}});
  EXPECT_EQ(Parameters::timeText(parameters.from), "2026-12-04T00:00:00Z");
  EXPECT_EQ(Parameters::timeText(parameters.to), "2026-12-05T03:00:00Z");
  EXPECT_EQ(parameters.by, Parameters::Grouping::Source);
  // Two days at most: hourly unless asked.
  EXPECT_EQ(parameters.interval, Parameters::Interval::Hour);
  EXPECT_EQ(parameters.format, Parameters::Format::Csv);
  EXPECT_EQ(parse({{"from", "2026-12-04"}, {"interval", "day"}}).interval,
            Parameters::Interval::Day);
  for (const auto* by : {"form", "department", "client", "source", "field"}) {
    EXPECT_EQ(Parameters::nameOf(parse({{"by", by}}).by), by);
  }
}

TEST(SharingReportParametersTest, RejectsAnUnparsableTime) {
  EXPECT_THAT(rejection({{"from", "yesterday"}}), HasSubstr("from must be a UTC date or time"));
  EXPECT_THAT(rejection({{"to", "2026-12-05T03:00:00+08:00"}}),
              HasSubstr("to must be a UTC date or time"));
}

TEST(SharingReportParametersTest, RejectsFromNotBeforeTo) {
  EXPECT_THAT(rejection({{"from", "2026-12-05"}, {"to", "2026-12-05"}}),
              HasSubstr("from must be before to"));
  EXPECT_THAT(rejection({{"from", "2026-12-06"}}), HasSubstr("from must be before to"));
}

TEST(SharingReportParametersTest, RejectsAPeriodOver400Days) {
  EXPECT_THAT(rejection({{"from", "2025-10-30"}, {"to", "2026-12-05"}}),
              HasSubstr("longer than 400 days"));
  EXPECT_EQ(rejection({{"from", "2025-10-31"}, {"to", "2026-12-05"}}), "accepted");
}

TEST(SharingReportParametersTest, RejectsAnUnknownGrouping) {
  EXPECT_THAT(rejection({{"by", "purpose"}}),
              HasSubstr("by must be form, department, client, source or field"));
}

TEST(SharingReportParametersTest, RejectsAnUnknownInterval) {
  EXPECT_THAT(rejection({{"interval", "week"}}), HasSubstr("interval must be hour or day"));
}

TEST(SharingReportParametersTest, RejectsAnUnknownFormat) {
  EXPECT_THAT(rejection({{"format", "jsonl"}}), HasSubstr("format must be json or csv"));
}

}  // namespace
}  // namespace oncegate
