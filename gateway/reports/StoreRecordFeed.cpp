#include "gateway/reports/StoreRecordFeed.h"

#include <utility>

#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditSearch.h"
#include "gateway/reports/SharingReportParameters.h"

namespace oncegate {

StoreRecordFeed::StoreRecordFeed(std::string connection) : connection_(std::move(connection)) {}

void StoreRecordFeed::each(TimePoint from, TimePoint to,
                           const std::function<void(std::string_view line)>& visit) {
  odbc::OdbcClient client(connection_, "audit store");
  AuditSearch search(client);
  AuditSearch::Filter filter;
  filter.since = AuditSearch::canonicalTime(SharingReportParameters::timeText(from));
  filter.until = AuditSearch::canonicalTime(SharingReportParameters::timeText(to));
  filter.limit = AuditSearch::kMaxLimit;
  while (true) {
    const auto page = search.find(filter);
    for (const auto& record : page.records) visit(record.line);
    if (!page.next) break;
    filter.cursor = page.next;
  }
}

}  // namespace oncegate
