#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/AdminCall.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

// One admin endpoint: its method and path, whose role rule applies, and what answers it.
struct AdminRoute {
  using Answer = std::function<HttpResponse(AdminCall&)>;

  std::string_view method;
  // The segments after /admin/v1/: "{kind}" any configuration document kind, "{id}" one
  // non-empty segment, anything else itself.
  std::vector<std::string_view> pattern;
  // The kind whose role rule applies; empty: the path's {kind}.
  std::string_view kind;
  // Whether the caller's role must be allowed to change that kind, not only to read it.
  bool writes = false;
  // Runs on an admin worker; sets call.outcome; throws Error for an error answer.
  Answer answer;

  // An Answer that calls `member` of `group` (which must outlive the route).
  template <typename Group>
  static Answer answeredBy(Group* group, HttpResponse (Group::*member)(AdminCall&)) {
    return [group, member](AdminCall& call) { return (group->*member)(call); };
  }

  // How well the route fits `segments`: -1 not at all, else how many literal segments matched
  // (a literal beats a placeholder: /policies/explain is not the policy "explain").
  int fit(const std::vector<std::string>& segments) const;
};

}  // namespace oncegate
