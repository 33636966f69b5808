#pragma once

#include <cstdint>
#include <memory>

#include "gateway/config/Configuration.h"
#include "gateway/runtime/SourceSet.h"
#include "gateway/signing/AnswerSigner.h"
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
        version(storeVersion),
        signer(config.gateway.signing
                   ? std::make_shared<const AnswerSigner>(*config.gateway.signing)
                   : nullptr) {}
  GatewaySnapshot(const GatewaySnapshot&) = delete;
  GatewaySnapshot& operator=(const GatewaySnapshot&) = delete;

  const Configuration config;
  const SourceSet sources;
  const Planner planner;
  // What /readyz reports, so that an operator can see that instances agree.
  const std::uint64_t version;
  // Signs /v1 data answers with the first key of `signing:`; null without it. In the snapshot so
  // that a key rotation (SIGHUP) signs every answer begun after it with the new key, and one
  // begun before it with the key it started with.
  const std::shared_ptr<const AnswerSigner> signer;
};

}  // namespace oncegate
