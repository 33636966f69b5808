#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/admin/ConfigurationWriter.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class ControlStore;
class LiveConfiguration;
class StoreSync;

// /admin/v1/changes/{id}[/approve|/reject|/withdraw]: the review of changes that widen who may
// read (separated duties). A DBA's widening change waits in the control store (see
// ConfigurationWriter); a security officer other than its author approves it, which validates it
// again against the configuration in force and puts it into effect, or rejects it; its author
// may withdraw it. A DBA sees its own changes; security officers and auditors see all. The list
// is GET /admin/v1/changes?state=pending (DocumentEndpoints).
class ChangeReviewEndpoints {
 public:
  // `sync` may be null: there are then no pending changes (every route answers 404).
  ChangeReviewEndpoints(LiveConfiguration& live, StoreSync* sync);

  std::vector<AdminRoute> routes();

  // The change, its diff against the document in force, whether it still applies, and its
  // impact: which client x purpose x field gains access, and the replay of recent requests.
  HttpResponse show(AdminCall& call);
  // Security officers only, never the change's author; X-Change-Comment is the decision's note.
  HttpResponse approve(AdminCall& call);
  HttpResponse reject(AdminCall& call);
  // The change's author only.
  HttpResponse withdraw(AdminCall& call);

 private:
  ControlStore& requireStore() const;
  // The change the path names, which the caller may see (NotFound, Forbidden).
  PendingChange find(AdminCall& call) const;
  // The change as it now stands, with the decision's version when there is one.
  HttpResponse answer(AdminCall& call, std::uint64_t id, const std::string& outcome) const;

  LiveConfiguration& live_;
  ConfigurationWriter writer_;
};

}  // namespace oncegate
