#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace oncegate {

// The national data-sharing class of a field: 无条件共享 / 有条件共享 / 不予共享.
enum class SharingClass : std::uint8_t {
  Unconditional,  // any authenticated client, any of its purposes, unless a policy denies it
  Conditional,    // the default: needs a policy grant
  None,           // never leaves the gateway, though it may feed a chained key
};

std::optional<SharingClass> parseSharingClass(std::string_view name);
std::string_view sharingClassName(SharingClass sharing);

}  // namespace oncegate
