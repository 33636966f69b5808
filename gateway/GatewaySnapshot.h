#pragma once

#include <memory>

#include "gateway/Configuration.h"
#include "gateway/SourceSet.h"
#include "mappings/Planner.h"

namespace oncegate {

// A configuration with the live objects built from it (sources, planner). Requests hold a
// shared_ptr to the snapshot they started with, so a reload never changes a request midway.
struct GatewaySnapshot {
  explicit GatewaySnapshot(Configuration loaded, SourceSet live)
      : config(std::move(loaded)), sources(std::move(live)), planner(config.mappings) {}
  GatewaySnapshot(const GatewaySnapshot&) = delete;
  GatewaySnapshot& operator=(const GatewaySnapshot&) = delete;

  const Configuration config;
  const SourceSet sources;
  const Planner planner;
};

}  // namespace oncegate
