#pragma once

#include <string>

#include "gateway/reports/AuditRecordFeed.h"

namespace oncegate {

// The audit records of every instance, from the central audit record (audit.store), read page
// by page with AuditSearch. Opens its own connection for each call of each().
class StoreRecordFeed final : public AuditRecordFeed {
 public:
  // `connection`: the ODBC connection string of the audit store.
  explicit StoreRecordFeed(std::string connection);

  std::string_view name() const override { return "store"; }
  void each(TimePoint from, TimePoint to,
            const std::function<void(std::string_view line)>& visit) override;

 private:
  std::string connection_;
};

}  // namespace oncegate
