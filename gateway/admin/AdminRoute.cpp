#include "gateway/admin/AdminRoute.h"

#include "gateway/config/ConfigDocument.h"

namespace oncegate {

int AdminRoute::fit(const std::vector<std::string>& segments) const {
  if (segments.size() != pattern.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{kind}") {
      if (!isConfigDocumentKind(segments[i])) return -1;
    } else if (pattern[i] == "{id}") {
      if (segments[i].empty()) return -1;
    } else if (pattern[i] == segments[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

}  // namespace oncegate
