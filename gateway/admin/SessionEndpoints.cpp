#include "gateway/admin/SessionEndpoints.h"

#include <string_view>

#include "common/JsonWriter.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminRoles.h"

namespace oncegate {

namespace {

// Every kind a role rule speaks of, and whether anything of it can be changed at all: the
// change log, the audit trail and the reports are only ever read.
struct KindLevel {
  std::string_view kind;
  bool writable;
};
constexpr KindLevel kKinds[] = {
    {"sources", true},  {"subjects", true},  {"datasets", true}, {"fields", true},
    {"forms", true},    {"cache", true},     {"clients", true},  {"policies", true},
    {"changes", false}, {"approvals", true}, {"audit", false},   {"reports", false},
};

}  // namespace

std::vector<AdminRoute> SessionEndpoints::routes() {
  return {
      {"GET",
       {"session"},
       "session",
       false,
       AdminRoute::answeredBy(this, &SessionEndpoints::session)},
  };
}

HttpResponse SessionEndpoints::session(AdminCall& call) {
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject()
      .key("request_id")
      .string(call.requestId)
      .key("name")
      .string(call.tokenName)
      .key("role")
      .string(call.role)
      .key("may")
      .beginObject();
  for (const auto& [kind, writable] : kKinds) {
    json.key(kind);
    if (writable && roleAllows(call.role, kind, true)) {
      json.string("write");
    } else if (roleAllows(call.role, kind, false)) {
      json.string("read");
    } else {
      json.string("none");
    }
  }
  json.endObject().endObject();
  call.outcome = "read";
  return response;
}

}  // namespace oncegate
