#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/config/Configuration.h"
#include "gateway/runtime/SourceSet.h"

namespace oncegate {

struct GatewaySnapshot;
class SnapshotRetirer;

// The configuration in force: the one place that builds snapshots (opening their sources) and
// swaps them. Owned by the composition root and handed to the data API, the admin API and the
// store sync, which otherwise know nothing of each other.
//
// Readers take current() once per request and keep that snapshot to the end, so a reload never
// changes a request midway. Writers (admin changes, the store poll) hold changeMutex() from the
// moment they read current() to install(), so that each change is built on what the previous one
// installed.
class LiveConfiguration {
 public:
  using InstallListener = std::function<void(const GatewaySnapshot&)>;

  // `openSource` opens a live source for a new or changed source configuration; `retirer` (which
  // must outlive every snapshot) destroys snapshots once out of force.
  LiveConfiguration(SourceSet::Factory openSource, SnapshotRetirer& retirer);
  LiveConfiguration(const LiveConfiguration&) = delete;
  LiveConfiguration& operator=(const LiveConfiguration&) = delete;

  // A snapshot of `config`: sources configured exactly as in `base` keep their live object (pool,
  // breaker, counters); new and changed ones are opened. `base` null: every source is opened.
  std::shared_ptr<const GatewaySnapshot> build(Configuration config, std::uint64_t version,
                                               const GatewaySnapshot* base) const;
  // build() in two steps, for a writer that checks the live sources before it commits to a
  // version (an admin change asks the databases whether a field's column exists).
  SourceSet sourcesFor(const Configuration& config, const GatewaySnapshot* base) const;
  std::shared_ptr<const GatewaySnapshot> assemble(Configuration config, SourceSet sources,
                                                  std::uint64_t version) const;

  // Puts `next` in force and tells the listeners; requests already running keep theirs.
  void install(std::shared_ptr<const GatewaySnapshot> next);
  // The snapshot in force; null before the first install().
  std::shared_ptr<const GatewaySnapshot> current() const;

  // Called, under changeMutex() when writers hold it, after each install (e.g. the rate limiter
  // forgets removed clients). Register before the first install; listeners must not block.
  void onInstall(InstallListener listener);

  std::mutex& changeMutex() { return changeMutex_; }
  // Opens a source outside any snapshot (a DBA's connection test).
  const SourceSet::Factory& sourceFactory() const { return openSource_; }

 private:
  const SourceSet::Factory openSource_;
  SnapshotRetirer& retirer_;
  std::vector<InstallListener> listeners_;
  std::mutex changeMutex_;
  mutable std::mutex currentMutex_;
  std::shared_ptr<const GatewaySnapshot> current_;
};

}  // namespace oncegate
