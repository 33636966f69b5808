#include "gateway/admin/CacheEndpoints.h"

#include <cstdint>
#include <string>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/AdminRequestBody.h"
#include "gateway/cache/CacheInvalidation.h"
#include "gateway/cache/CacheKey.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "mappings/Dataset.h"
#include "mappings/SubjectType.h"

namespace oncegate {

CacheEndpoints::CacheEndpoints(LiveConfiguration& live, CacheInvalidation& invalidation)
    : live_(live), invalidation_(invalidation) {}

std::vector<AdminRoute> CacheEndpoints::routes() {
  const auto by = [this](auto member) { return AdminRoute::answeredBy(this, member); };
  return {
      {"POST", {"cache", "invalidate"}, "cache", true, by(&CacheEndpoints::invalidate)},
  };
}

HttpResponse CacheEndpoints::invalidate(AdminCall& call) {
  const auto snapshot = live_.current();
  const auto& catalog = snapshot->config.mappings;
  const auto body = AdminRequestBody::parse(call.request.body);
  const auto datasetId = AdminRequestBody::read(body, [](const ConfigNode& node) {
    node.allowOnlyKeys({"dataset", "subject"});
    return node.at("dataset").asString();
  });
  call.id = datasetId;
  const Dataset* dataset = catalog.dataset(datasetId);
  if (dataset == nullptr) {
    throw Error(ErrorCode::NotFound, "no datasets with id '" + datasetId + "'");
  }
  std::string scope = "dataset";
  std::uint64_t removed = 0;
  if (const auto subject = body.find("subject")) {
    // A chained dataset is keyed by a value another dataset yields, which the gateway only
    // learns by asking: its entries can go only all together.
    if (dataset->chained()) {
      throw Error(ErrorCode::BadRequest,
                  "dataset '" + datasetId +
                      "' is keyed by a field of another dataset, not by the subject: invalidate "
                      "the whole dataset (leave out \"subject\")");
    }
    const auto& type = catalog.subjectOf(*dataset);
    call.subjectValue = AdminRequestBody::subjectKey(*subject, type);
    call.subjectType = type.id();
    call.subjectKey = type.key();
    const std::vector<Value> params(dataset->params().size(), Value::string(call.subjectValue));
    removed = invalidation_.erase(makeCacheKey(dataset->id(), dataset->fingerprint(), params,
                                               snapshot->config.gateway.hashKey),
                                  false);
    scope = "subject";
  } else {
    removed = invalidation_.erase(cacheKeyPrefix(dataset->id()), true);
  }
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("dataset").string(datasetId).key("scope").string(scope);
  json.key("removed").integer(static_cast<std::int64_t>(removed));
  json.key("request_id").string(call.requestId).endObject();
  call.outcome = "invalidated";
  return response;
}

}  // namespace oncegate
