#pragma once

#include <string_view>

#include "common/Value.h"
#include "policies/MaskKind.h"

namespace oncegate {

// The value a caller sees under `kind`. Masked values are strings; null stays null; None leaves
// the value as it is. Characters are counted in UTF-8 code points, never bytes. Values too short
// to keep anything hidden are masked whole: show_last_4 on 4 characters or fewer, and
// show_first_1 on one character, give only '*'s. year_only on a value that is not a date or
// datetime gives "***" (it fails closed). `maskKey` is gateway.yaml's mask_key, the same on every
// instance so that hashes stay comparable; with an empty key `hash` gives "***" (fails closed).
Value applyMask(MaskKind kind, Value value, std::string_view maskKey);

}  // namespace oncegate
