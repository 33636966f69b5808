#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace oncegate {

// How a field's value is disguised before it leaves the gateway (after the cache, so the cache
// holds one copy whatever each caller may see).
enum class MaskKind : std::uint8_t {
  None,        // shown as is ("none" in configuration: un-masks a narrower pattern)
  ShowLast4,   // "330102196001010011" -> "**************0011"
  ShowFirst1,  // "张三丰" -> "张**"
  Hash,        // keyed HMAC-SHA256, first 32 hex digits: stable, comparable, not reversible
  YearOnly,    // dates and datetimes -> "1960"
  Redact,      // "***"
};

std::optional<MaskKind> parseMaskKind(std::string_view name);

// The mask that discloses no more than either, for a field that several policies in force mask
// differently. Order: redact > hash > the partial masks (year_only, show_first_1, show_last_4)
// > none. Two different partial masks each show a part the other hides, so neither is safe for
// both: the answer is redact.
MaskKind mostRestrictive(MaskKind a, MaskKind b);
std::string_view maskKindName(MaskKind kind);

}  // namespace oncegate
