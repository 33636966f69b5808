#include "gateway/reports/TrailRecordFeed.h"

#include <limits>
#include <utility>

#include "gateway/audit/AuditTrailReader.h"

namespace oncegate {

TrailRecordFeed::TrailRecordFeed(std::filesystem::path path) : path_(std::move(path)) {}

void TrailRecordFeed::each(TimePoint from, TimePoint to,
                           const std::function<void(std::string_view line)>& visit) {
  AuditTrailReader::Filter filter;
  filter.since = from;
  filter.until = to;
  // Data requests only: every /v1 route (the report picks the data-request ones).
  filter.routes = {"/v1/*"};
  // A report adds up the whole period it was asked for; a budget would cut it short silently.
  // The period is bounded instead (SharingReportParameters::kMaxPeriod).
  filter.scanBudget = std::numeric_limits<std::uint64_t>::max();
  AuditTrailReader(path_).eachLine(filter, visit);
}

}  // namespace oncegate
