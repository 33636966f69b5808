#pragma once

#include <string_view>

namespace oncegate {

// The one table of what each role of admin.tokens may do: whether `role` may read (`writes`
// false) or change (`writes` true) documents or tools of `kind` ("sources", "policies", "audit",
// "approvals", ...). AdminRouter checks every call against it; GET /admin/v1/session reports it,
// so that the console shows only what the role may do.
bool roleAllows(std::string_view role, std::string_view kind, bool writes);

}  // namespace oncegate
