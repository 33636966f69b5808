#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/ConfigNode.h"
#include "gateway/store/PendingChange.h"

namespace oncegate {

struct AccessWidening;
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
//
// Separated duties: a change to the DBA's documents that widens who may read (AccessWidening),
// made by anyone but a security officer, does not take effect: it is held in the control store
// as a pending change until a security officer approves it (approve()).
class ConfigurationWriter {
 public:
  // A change that took effect (the snapshot now in force and whether it replaced a document), or
  // one that waits for approval (`pending`; the snapshot is then the one still in force).
  struct Written {
    std::shared_ptr<const GatewaySnapshot> snapshot;
    bool existed = false;
    std::optional<PendingChange> pending;
  };

  // `sync` may be null: changes then live in memory only.
  ConfigurationWriter(LiveConfiguration& live, StoreSync* sync);

  // Puts `body` as call.kind/call.id, or removes that document when `body` is empty; recorded
  // in the store under call.tokenName with `comment`. Throws NotFound (removing what is not
  // there), InvalidConfig (the whole would not be valid) or SourceUnavailable (the store did not
  // record it): in each case nothing changed. A widening change returns `pending` instead of
  // taking effect; without a control store it is Forbidden (nowhere to hold it).
  Written write(const AdminCall& call, const std::optional<ConfigNode>& body,
                const std::string& comment);

  // Approves `change` for `call` (a security officer): its document is put or removed on the
  // configuration in force now, validated again as a whole, recorded and installed. Throws as
  // write() does, and Conflict when the document changed since the change was proposed.
  Written approve(const AdminCall& call, const PendingChange& change, const std::string& comment);

  // The control store; null without one.
  ControlStore* store() const { return store_; }

 private:
  // Rejects (InvalidConfig) a changed field, or a field of a changed dataset, whose column the
  // dataset's query does not return, when its source can be asked.
  void checkColumns(const AdminCall& call, const std::string& kind, const std::string& id,
                    const Configuration& next, const SourceSet& sources) const;
  std::uint64_t record(const AdminCall& call, const std::optional<ConfigNode>& body,
                       const std::string& comment);
  // Holds a widening change as pending in the control store (Forbidden without one).
  PendingChange propose(const AdminCall& call, const std::optional<ConfigNode>& body,
                        const std::string& comment, const AccessWidening& widening);
  // Announces `recorded` (when the store recorded the change) and installs `next`; returns it.
  std::shared_ptr<const GatewaySnapshot> install(
      const AdminCall& call, const std::shared_ptr<const GatewaySnapshot>& current,
      Configuration next, SourceSet sources, std::optional<std::uint64_t> recorded);

  LiveConfiguration& live_;
  StoreSync* sync_;
  ControlStore* store_;
};

}  // namespace oncegate
