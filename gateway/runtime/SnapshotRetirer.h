#pragma once

#include <cstddef>
#include <memory>

namespace oncegate {

struct GatewaySnapshot;

// Destroys configuration snapshots that are no longer in force, on a thread of its own.
//
// Why: destroying a snapshot closes the sources it alone still holds, and closing a source waits
// for its workers (a query running on a frozen database host, up to the source's stop bound).
// Whoever drops the last reference would pay that: an I/O thread finishing a request, or the
// audit writer running a request's callback. Every snapshot is therefore adopted here, and its
// last reference, wherever it is dropped, only queues it for this thread.
//
// Owned by the composition root and declared before everything that holds snapshots, so it is
// destroyed last: its destructor destroys whatever is queued (and whatever that destruction
// queues in turn), then joins. A snapshot whose last reference goes after that is destroyed by
// the thread that drops it.
class SnapshotRetirer {
 public:
  SnapshotRetirer();
  ~SnapshotRetirer();
  SnapshotRetirer(const SnapshotRetirer&) = delete;
  SnapshotRetirer& operator=(const SnapshotRetirer&) = delete;

  std::shared_ptr<const GatewaySnapshot> adopt(std::unique_ptr<const GatewaySnapshot> snapshot);

  // Snapshots queued and not yet destroyed (tests, /metrics).
  std::size_t retiring() const;
  // Snapshots destroyed so far by the retirer thread (tests).
  std::size_t retired() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace oncegate
