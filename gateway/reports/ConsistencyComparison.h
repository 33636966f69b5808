#pragma once

#include <string>

#include "common/Value.h"

namespace oncegate {

// When two sources hold the same datum (一数一源): their values are compared after each field's
// typing, so that a difference of form is not reported as a difference of fact: strings trimmed
// (ASCII white space, the ideographic space U+3000 and the no-break space U+00A0), decimals
// without trailing fraction zeros ("12.50" = "12.5" = int 12.5's text), datetimes without a zero
// fraction. Dates and booleans are already canonical once typed.
class ConsistencyComparison {
 public:
  // The text two values of one indicator are compared by; "" for null.
  static std::string canonical(const Value& value);

  // Whether two non-null values agree.
  static bool agree(const Value& a, const Value& b) { return canonical(a) == canonical(b); }
};

}  // namespace oncegate
