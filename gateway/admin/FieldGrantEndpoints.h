#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class LiveConfiguration;

// GET /admin/v1/fields/{id}/grants: the policies in force that grant one field, to whom, for
// which purpose, verify-only or masked (FieldGrant). Whoever may read fields may read this: a DBA
// answers for who receives the data of the fields it maps, though it may not read the policies.
class FieldGrantEndpoints {
 public:
  explicit FieldGrantEndpoints(LiveConfiguration& live);

  std::vector<AdminRoute> routes();

  HttpResponse grants(AdminCall& call);

 private:
  LiveConfiguration& live_;
};

}  // namespace oncegate
