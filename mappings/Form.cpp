#include "mappings/Form.h"

namespace oncegate {

namespace {
constexpr std::string_view kApplicant = "applicant";
}  // namespace

Form Form::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "title", "purpose", "subject", "fields", "description"});
  Form form;
  form.id_ = item.at("id").asString();
  form.title_ = item.at("title").asString();
  form.purpose_ = item.at("purpose").asString();
  form.subject_ = item.at("subject").asString();
  form.location_ = item.location();
  if (auto description = item.find("description")) form.description_ = description->asString();
  const auto fields = item.at("fields");
  for (const auto& entryNode : fields.items()) {
    FormEntry entry;
    entry.location = entryNode.location();
    if (entryNode.isMap()) {
      entryNode.allowOnlyKeys({"id", "supplied_by", "replaces"});
      entry.field = entryNode.at("id").asString();
      if (auto suppliedBy = entryNode.find("supplied_by")) {
        if (suppliedBy->asString() != kApplicant) {
          suppliedBy->fail("supplied_by must be 'applicant'");
        }
        entry.suppliedByApplicant = true;
      }
      if (auto replaces = entryNode.find("replaces")) {
        entry.replaces = replaces->asString();
        if (entry.suppliedByApplicant) {
          replaces->fail(
              "replaces applies to shared fields: the applicant still supplies this one");
        }
      }
    } else {
      entry.field = entryNode.asString();
    }
    form.entries_.push_back(std::move(entry));
  }
  if (form.entries_.empty()) fields.fail("a form needs at least one field");
  return form;
}

}  // namespace oncegate
