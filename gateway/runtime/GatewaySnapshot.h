#pragma once

#include <cstdint>
#include <memory>

#include "gateway/config/Configuration.h"
#include "gateway/runtime/SourceSet.h"
#include "mappings/Planner.h"

namespace oncegate {

// A configuration with the live objects built from it (sources, planner). Requests hold a
// shared_ptr to the snapshot they started with, so a reload never changes a request midway.
struct GatewaySnapshot {
  // `storeVersion`: the control store version the configuration was read at (0 without a store).
  explicit GatewaySnapshot(Configuration loaded, SourceSet live, std::uint64_t storeVersion = 0)
      : config(std::move(loaded)),
        sources(std::move(live)),
        planner(config.mappings),
        version(storeVersion) {}
  GatewaySnapshot(const GatewaySnapshot&) = delete;
  GatewaySnapshot& operator=(const GatewaySnapshot&) = delete;

  const Configuration config;
  const SourceSet sources;
  const Planner planner;
  // What /readyz reports, so that an operator can see that instances agree.
  const std::uint64_t version;
};

}  // namespace oncegate
