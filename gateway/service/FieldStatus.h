#pragma once

#include <string_view>

namespace oncegate {

// How one requested field was settled (design.md, "Field statuses"), plus `Refused`: the field of
// a request refused as a whole (403), which only the audit trail records.
enum class FieldStatus { Ok, NotFound, Denied, VerifyOnly, UnknownField, Unavailable, Refused };

// The stable snake_case name used in answers, the audit trail and /metrics ("verify_only").
std::string_view fieldStatusName(FieldStatus status);

}  // namespace oncegate
