#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gateway/config/Configuration.h"
#include "policies/PolicyDecision.h"

namespace oncegate {

// Whether a configuration change widens who may read, and for whom: the test that decides
// whether a DBA's change takes effect at once or waits for a security officer (separated
// duties). It compares whole configurations, so it sees the effect of a change whatever document
// it came through.
//
// A change widens when, in the new configuration:
//  - a field's sharing class is more open than before (none < conditional < unconditional);
//  - a new field is unconditional (every client, every purpose), or some client may read it at
//    once (a policy's wildcard grant covers it, or it keys a dataset of a readable field);
//  - a field that some client may read (unconditional, or granted by a policy in force), or that
//    keys a dataset such a field reads (a chained key), reads another dataset or column;
//  - a dataset that such a field reads has another source, query or parameters (its
//    fingerprint): the same field then carries other data. A query can name any table the
//    source's account may read, so any change to it counts, never only a changed column list.
// Removals, narrower classes, new conditional fields no policy grants, forms, subjects and
// sources do not (a source's connection string is the DBA's: rotating a password or failing over
// must not wait for an officer).
struct AccessWidening {
  // One client x purpose x field that may read after the change what it could not before.
  struct Gain {
    std::string client;
    std::string purpose;
    std::string field;
    PolicyDecision::Effect effect = PolicyDecision::Effect::Allow;  // after the change
    // True when the field was readable before too, but now carries other data.
    bool otherData = false;
  };

  // The listing of gains stops here (1000 clients x 35 fields must stay readable).
  static constexpr std::size_t kMaxGainsListed = 1000;

  std::vector<std::string> reasons;  // empty: the change does not widen

  bool widens() const { return !reasons.empty(); }

  // How `after` widens who may read compared with `before`, judged at `now` (validity windows).
  static AccessWidening between(const Configuration& before, const Configuration& after,
                                PolicySet::TimePoint now);

  // Every client x purpose (of that client) x field that gains access in `after`, at most
  // `maxListed`; `truncated` says whether more were found.
  static std::vector<Gain> gains(const Configuration& before, const Configuration& after,
                                 PolicySet::TimePoint now, bool& truncated,
                                 std::size_t maxListed = kMaxGainsListed);
};

}  // namespace oncegate
