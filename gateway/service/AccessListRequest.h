#pragma once

#include <string>
#include <utility>
#include <vector>

namespace oncegate {

// A parsed POST /v1/accesses body: whose accesses, over which period (dates or UTC times, ISO
// 8601, as sent; AccessListing checks them).
struct AccessListRequest {
  std::string subjectType;
  // The subject's identifying keys as sent ({"id_card": "..."}), without "type".
  std::vector<std::pair<std::string, std::string>> subjectKeys;
  std::string from;
  std::string to;
};

}  // namespace oncegate
