#pragma once

#include <memory>

#include "gateway/reports/AuditRecordFeed.h"

namespace oncegate {

struct GatewayConfig;

// The feed a report reads when nothing else is asked for: the central audit record when
// audit.store is configured (every instance's records), else this instance's trail.
std::unique_ptr<AuditRecordFeed> configuredRecordFeed(const GatewayConfig& gateway);

}  // namespace oncegate
