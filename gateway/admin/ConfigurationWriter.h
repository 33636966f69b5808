#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/ConfigNode.h"

namespace oncegate {

struct AdminCall;
struct Configuration;
struct GatewaySnapshot;
class ControlStore;
class LiveConfiguration;
class SourceSet;
class StoreSync;

// Puts or removes one configuration document for an admin call. The change is applied to a copy
// of the documents in force, the whole is rebuilt and validated, and only a valid result is
// installed as a new snapshot (requests in flight keep theirs). With a control store, a valid
// change is recorded there first (a new version) and only then installed.
class ConfigurationWriter {
 public:
  // A change that took effect: the snapshot now in force and whether it replaced a document.
  struct Written {
    std::shared_ptr<const GatewaySnapshot> snapshot;
    bool existed = false;
  };

  // `sync` may be null: changes then live in memory only.
  ConfigurationWriter(LiveConfiguration& live, StoreSync* sync);

  // Puts `body` as call.kind/call.id, or removes that document when `body` is empty; recorded
  // in the store under call.tokenName with `comment`. Throws NotFound (removing what is not
  // there), InvalidConfig (the whole would not be valid) or SourceUnavailable (the store did not
  // record it): in each case nothing changed.
  Written write(const AdminCall& call, const std::optional<ConfigNode>& body,
                const std::string& comment);

  // The control store; null without one.
  ControlStore* store() const { return store_; }

 private:
  // Rejects (InvalidConfig) a changed field, or a field of a changed dataset, whose column the
  // dataset's query does not return, when its source can be asked.
  void checkColumns(const AdminCall& call, const Configuration& next,
                    const SourceSet& sources) const;
  std::uint64_t record(const AdminCall& call, const std::optional<ConfigNode>& body,
                       const std::string& comment);

  LiveConfiguration& live_;
  StoreSync* sync_;
  ControlStore* store_;
};

}  // namespace oncegate
