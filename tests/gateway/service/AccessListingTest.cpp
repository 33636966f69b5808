#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/Error.h"
#include "gateway/service/AccessListing.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using Period = std::pair<std::string, std::string>;

std::string errorOf(const std::string& from, const std::string& to) {
  try {
    AccessListing::period(from, to);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "<no error>";
}

TEST(AccessListingPeriodTest, ADateToCoversItsWholeDayATimeToIsIncluded) {
  EXPECT_EQ(AccessListing::period("2026-01-01", "2026-12-31"),
            Period("2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"));
  EXPECT_EQ(AccessListing::period("2026-01-01T08:00:00Z", "2026-01-01T18:30:00.250Z"),
            Period("2026-01-01T08:00:00.000Z", "2026-01-01T18:30:00.251Z"));
  EXPECT_EQ(AccessListing::period("2026-03-01", "2026-03-01"),
            Period("2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z"));
}

TEST(AccessListingPeriodTest, AtMostFiveYears) {
  EXPECT_NO_THROW(AccessListing::period("2021-12-05", "2026-12-05"));
  EXPECT_THAT(errorOf("2021-12-05", "2026-12-06"), HasSubstr("longer than 5 years"));
  EXPECT_NO_THROW(AccessListing::period("2021-12-05T10:00:00Z", "2026-12-05T10:00:00Z"));
  EXPECT_THAT(errorOf("2021-12-05T10:00:00Z", "2026-12-05T10:00:01Z"),
              HasSubstr("longer than 5 years"));
  // 29 February plus five years is 1 March.
  EXPECT_NO_THROW(AccessListing::period("2024-02-29", "2029-03-01"));
  EXPECT_THAT(errorOf("2024-02-29", "2029-03-02"), HasSubstr("longer than 5 years"));
}

TEST(AccessListingPeriodTest, MalformedOrReversedIsRefused) {
  EXPECT_THAT(errorOf("yesterday", "2026-01-01"), HasSubstr("from must be an ISO 8601 date"));
  EXPECT_THAT(errorOf("2026-01-01", "2026-02-30"), HasSubstr("to must be an ISO 8601 date"));
  EXPECT_THAT(errorOf("2026-01-02", "2026-01-01"), HasSubstr("to is before from"));
}

}  // namespace
}  // namespace oncegate
