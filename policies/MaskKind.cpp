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

// How much of a value a mask hides: higher hides more. Partial masks share one rank.
int restriction(MaskKind kind) {
  switch (kind) {
    case MaskKind::None:
      return 0;
    case MaskKind::ShowLast4:
    case MaskKind::ShowFirst1:
    case MaskKind::YearOnly:
      return 1;
    case MaskKind::Hash:
      return 2;
    case MaskKind::Redact:
      return 3;
  }
  return 3;
}

}  // namespace

MaskKind mostRestrictive(MaskKind a, MaskKind b) {
  if (a == b) return a;
  const int ra = restriction(a);
  const int rb = restriction(b);
  if (ra != rb) return ra > rb ? a : b;
  return MaskKind::Redact;  // two different partial masks
}

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
