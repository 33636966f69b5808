#include "gateway/admin/LastSourceProbes.h"

#include <utility>

namespace oncegate {

void LastSourceProbes::record(const std::string& source, Probe probe) {
  std::lock_guard lock(mutex_);
  probes_.insert_or_assign(source, std::move(probe));
}

std::optional<LastSourceProbes::Probe> LastSourceProbes::last(std::string_view source) const {
  std::lock_guard lock(mutex_);
  const auto found = probes_.find(std::string(source));
  if (found == probes_.end()) return std::nullopt;
  return found->second;
}

}  // namespace oncegate
