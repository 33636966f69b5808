#pragma once

#include <vector>

#include "gateway/admin/AdminRoute.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

struct AdminCall;
class CacheInvalidation;
class LiveConfiguration;

// /admin/v1/cache/invalidate: empties the rows cached for a dataset, or for one subject of it,
// on every instance sharing the cache.
class CacheEndpoints {
 public:
  CacheEndpoints(LiveConfiguration& live, CacheInvalidation& invalidation);

  // POST cache/invalidate; it answers through this object.
  std::vector<AdminRoute> routes();

  // Body {"dataset": id, "subject": {"type", "<key>"} (optional)}.
  HttpResponse invalidate(AdminCall& call);

 private:
  LiveConfiguration& live_;
  CacheInvalidation& invalidation_;
};

}  // namespace oncegate
