#include "gateway/reports/ConfiguredRecordFeed.h"

#include "gateway/config/GatewayConfig.h"
#include "gateway/reports/StoreRecordFeed.h"
#include "gateway/reports/TrailRecordFeed.h"

namespace oncegate {

std::unique_ptr<AuditRecordFeed> configuredRecordFeed(const GatewayConfig& gateway) {
  if (!gateway.audit.store.empty()) return std::make_unique<StoreRecordFeed>(gateway.audit.store);
  return std::make_unique<TrailRecordFeed>(gateway.audit.path);
}

}  // namespace oncegate
