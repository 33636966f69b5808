#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/AuditTrailReader.h"
#include "gateway/store/PendingChange.h"

namespace oncegate {

class JsonWriter;

// Members that more than one admin answer holds, written the same way in each.
class AdminJsonPieces {
 public:
  // "name": ["key", ...] (a diff's keys, the policies a proposal puts or removes).
  static void writeKeys(std::string_view name, const std::vector<std::string>& keys,
                        JsonWriter& json);
  // "scan": how much of the audit trail a query or an impact replay read.
  static void writeScan(const AuditTrailReader::Scan& scan, JsonWriter& json);
  // A pending change's members (id, state, what, who, when, why, the decision), without its
  // document: the 202 of a change that waits, the list and the detail of pending changes.
  static void writePendingChange(const PendingChange& change, JsonWriter& json);
};

}  // namespace oncegate
