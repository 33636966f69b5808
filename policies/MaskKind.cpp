#include "policies/MaskKind.h"

#include <array>
#include <utility>

namespace oncegate {

namespace {
constexpr std::array<std::pair<std::string_view, MaskKind>, 6> kMaskNames{{
    {"none", MaskKind::None},
    {"show_last_4", MaskKind::ShowLast4},
    {"show_first_1", MaskKind::ShowFirst1},
    {"hash", MaskKind::Hash},
    {"year_only", MaskKind::YearOnly},
    {"redact", MaskKind::Redact},
}};
}  // namespace

std::optional<MaskKind> parseMaskKind(std::string_view name) {
  for (const auto& [text, kind] : kMaskNames) {
    if (text == name) return kind;
  }
  return std::nullopt;
}

std::string_view maskKindName(MaskKind kind) {
  for (const auto& [text, candidate] : kMaskNames) {
    if (candidate == kind) return text;
  }
  return "none";
}

}  // namespace oncegate
