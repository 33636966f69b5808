#include "common/SharingClass.h"

namespace oncegate {

std::optional<SharingClass> parseSharingClass(std::string_view name) {
  if (name == "unconditional") return SharingClass::Unconditional;
  if (name == "conditional") return SharingClass::Conditional;
  if (name == "none") return SharingClass::None;
  return std::nullopt;
}

std::string_view sharingClassName(SharingClass sharing) {
  switch (sharing) {
    case SharingClass::Unconditional:
      return "unconditional";
    case SharingClass::Conditional:
      return "conditional";
    case SharingClass::None:
      return "none";
  }
  return "conditional";
}

}  // namespace oncegate
