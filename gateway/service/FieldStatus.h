#pragma once

#include <string_view>

namespace oncegate {

// How one requested field was settled (design.md, "Field statuses"), plus `Limited` (a /v1/verify
// claim past limits.verify_attempts for its client, subject and field) and `Refused`: the field of
// a request refused as a whole (403), which only the audit trail records.
enum class FieldStatus {
  Ok,
  NotFound,
  Denied,
  VerifyOnly,
  UnknownField,
  Unavailable,
  Limited,
  Refused
};

// The stable snake_case name used in answers, the audit trail and /metrics ("verify_only").
std::string_view fieldStatusName(FieldStatus status);

}  // namespace oncegate
