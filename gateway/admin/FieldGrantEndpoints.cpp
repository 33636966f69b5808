#include "gateway/admin/FieldGrantEndpoints.h"

#include <chrono>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "gateway/admin/AdminCall.h"
#include "gateway/admin/FieldGrant.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"
#include "mappings/Field.h"

namespace oncegate {

FieldGrantEndpoints::FieldGrantEndpoints(LiveConfiguration& live) : live_(live) {}

std::vector<AdminRoute> FieldGrantEndpoints::routes() {
  return {{"GET",
           {"fields", "{id}", "grants"},
           "fields",
           false,
           AdminRoute::answeredBy(this, &FieldGrantEndpoints::grants)}};
}

HttpResponse FieldGrantEndpoints::grants(AdminCall& call) {
  const auto snapshot = live_.current();
  const auto& config = snapshot->config;
  const Field* field = config.mappings.field(call.id);
  if (field == nullptr) throw Error(ErrorCode::NotFound, "no fields with id '" + call.id + "'");
  const auto grants = FieldGrant::of(field->id(), field->sharing(), config.policies, config.clients,
                                     std::chrono::system_clock::now());
  HttpResponse response;
  JsonWriter json(response.body);
  json.beginObject().key("field").string(field->id());
  json.key("sharing").string(sharingClassName(field->sharing()));
  json.key("grants").beginArray();
  for (const auto& grant : grants) {
    json.beginObject().key("policy").string(grant.policy).key("client").string(grant.client);
    json.key("department").string(grant.department).key("purpose").string(grant.purpose);
    json.key("in_force").boolean(grant.inForce);
    json.key("valid_until");
    if (grant.validUntil.empty()) {
      json.null();
    } else {
      json.string(grant.validUntil);
    }
    json.key("effect").string(PolicyDecision::effectName(grant.effect));
    json.key("verify_only").boolean(grant.effect == PolicyDecision::Effect::VerifyOnly);
    json.key("mask").string(maskKindName(grant.mask));
    json.key("decided_by").string(grant.decidedBy);
    json.endObject();
  }
  json.endArray().key("request_id").string(call.requestId).endObject();
  call.outcome = "listed";
  return response;
}

}  // namespace oncegate
