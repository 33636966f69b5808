#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/AuditedRequest.h"
#include "gateway/config/Configuration.h"
#include "gateway/service/PolicyExplanation.h"

namespace oncegate {

class JsonWriter;

// What publishing a proposed configuration would change: every field of recently audited
// requests decided again under the configuration in force and under the proposal, with each
// difference a security officer should see before publishing. It carries no subject identifier
// and no case number (AuditedRequest keeps none).
struct PolicyImpact {
  enum class ChangeKind : std::uint8_t {
    NewlyDenied,        // allowed or verify-only before, denied after
    NewlyAllowed,       // denied before, allowed or verify-only after
    VerifyOnlyChanged,  // allow <-> verify_only
    MaskChanged,        // allowed on both sides with another mask (resolve only: verify shows no
                        // value, so a mask changes nothing there)
  };

  struct Change {
    std::string requestId;
    std::string time;
    std::string route;
    std::string client;
    std::string purpose;
    std::string field;
    std::string recorded;  // the status the request got when it was audited
    ChangeKind kind = ChangeKind::NewlyDenied;
    PolicyExplanation before;
    PolicyExplanation after;
  };

  struct Summary {
    std::size_t requestsExamined = 0;
    std::size_t fieldDecisionsExamined = 0;
    std::size_t newlyDenied = 0;
    std::size_t newlyAllowed = 0;
    std::size_t maskChanged = 0;
    std::size_t verifyOnlyChanged = 0;
    // Field decisions where the client or the field is unknown in either configuration (a
    // field removed since it was audited): reported, never fatal.
    std::size_t unknown = 0;
    std::vector<std::string> clients;   // affected by a change, sorted
    std::vector<std::string> purposes;  // affected by a change, sorted
  };

  // The summary always counts every change; the list holds at most this many (an answer for
  // 1000 requests of 35 fields must stay readable).
  static constexpr std::size_t kMaxChangesListed = 1000;

  Summary summary;
  std::vector<Change> changes;  // in the order of the requests given (newest first from the reader)
  bool truncated = false;       // more changes than were listed

  // Decides every recorded field of `requests` under `current` and `proposed` at `now` (the
  // instant validity windows are judged at), as the gateway would for that client, purpose and
  // case number, and keeps the differences.
  static PolicyImpact compute(const Configuration& current, const Configuration& proposed,
                              const std::vector<AuditedRequest>& requests, PolicySet::TimePoint now,
                              std::size_t maxChanges = kMaxChangesListed);

  static std::string_view changeKindName(ChangeKind kind);

  // Writes "summary", "changes" and "truncated" as members of the object the caller has begun,
  // so that the caller adds its own (request_id, how the audit trail was scanned).
  void writeMembers(JsonWriter& json) const;
};

}  // namespace oncegate
