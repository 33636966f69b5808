#include "gateway/service/ClientCatalog.h"

#include "common/JsonWriter.h"
#include "common/SharingClass.h"
#include "gateway/config/Configuration.h"
#include "gateway/service/PolicyExplanation.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/Form.h"
#include "policies/Client.h"
#include "policies/MaskKind.h"

namespace oncegate {

namespace {

const std::string& departmentOf(const Configuration& config, const Field& field) {
  static const std::string kUnknown;
  const Dataset* dataset = config.mappings.dataset(field.dataset());
  const SourceConfig* source = dataset != nullptr ? config.source(dataset->source()) : nullptr;
  return source != nullptr ? source->department : kUnknown;
}

void writeDecision(const PolicyExplanation& decided, JsonWriter& json) {
  json.key("effect").string(decided.effectName());
  if (decided.effect == PolicyDecision::Effect::Allow) {
    json.key("mask").string(maskKindName(decided.mask));
  }
  json.key("case_required").boolean(decided.caseRequired);
}

}  // namespace

void ClientCatalog::writeFields(JsonWriter& json) const {
  json.key("fields").beginArray();
  for (const auto& field : config_.mappings.fields()) {
    std::vector<PolicyExplanation> usable;
    for (const auto& purpose : client_.purposes) {
      auto decided = PolicyExplanation::decide(config_, client_.id, purpose, field.id(), now_);
      if (decided.effect != PolicyDecision::Effect::Deny) usable.push_back(std::move(decided));
    }
    if (usable.empty()) continue;
    json.beginObject().key("id").string(field.id());
    json.key("subject").string(config_.mappings.subjectOf(field).id());
    json.key("type").string(valueKindName(field.type()));
    json.key("description").string(field.description());
    json.key("sensitivity").string(field.sensitivity());
    json.key("sharing").string(sharingClassName(field.sharing()));
    json.key("department").string(departmentOf(config_, field));
    json.key("purposes").beginArray();
    for (const auto& decided : usable) {
      json.beginObject().key("purpose").string(decided.purpose);
      writeDecision(decided, json);
      json.endObject();
    }
    json.endArray().endObject();
  }
  json.endArray();
}

void ClientCatalog::writeForms(JsonWriter& json) const {
  json.key("forms").beginArray();
  for (const auto& form : config_.mappings.forms()) {
    if (!client_.allowsPurpose(form.purpose())) continue;
    std::int64_t byGateway = 0;
    for (const auto& entry : form.entries()) byGateway += entry.suppliedByApplicant ? 0 : 1;
    json.beginObject().key("id").string(form.id()).key("title").string(form.title());
    json.key("purpose").string(form.purpose()).key("subject").string(form.subject());
    json.key("total").integer(static_cast<std::int64_t>(form.entries().size()));
    json.key("from_departments").integer(byGateway);
    json.endObject();
  }
  json.endArray();
}

void ClientCatalog::writeForm(const Form& form, JsonWriter& json) const {
  json.key("id").string(form.id()).key("title").string(form.title());
  json.key("purpose").string(form.purpose()).key("subject").string(form.subject());
  json.key("description").string(form.description());
  json.key("fields").beginArray();
  for (const auto& entry : form.entries()) {
    json.beginObject().key("id").string(entry.field);
    if (entry.suppliedByApplicant) {
      json.key("supplied_by").string("applicant");
    } else {
      json.key("supplied_by").string("gateway");
      if (const Field* field = config_.mappings.field(entry.field)) {
        json.key("type").string(valueKindName(field->type()));
        json.key("description").string(field->description());
        json.key("department").string(departmentOf(config_, *field));
      }
      writeDecision(
          PolicyExplanation::decide(config_, client_.id, form.purpose(), entry.field, now_), json);
    }
    json.endObject();
  }
  json.endArray();
}

}  // namespace oncegate
