#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;

// /admin/v1/session: who the token is and what its role may do, for the web console (which
// shows a page only when the role may use it). Any valid admin token may ask.
class SessionEndpoints {
 public:
  // GET session; it answers through this object.
  std::vector<AdminRoute> routes();

  // {"name", "role", "may": {kind: "write"|"read"|"none"}, "request_id"}, the levels straight
  // from roleAllows.
  HttpResponse session(AdminCall& call);
};

}  // namespace oncegate
