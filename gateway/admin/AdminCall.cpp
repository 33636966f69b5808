#include "gateway/admin/AdminCall.h"

#include "common/JsonWriter.h"
#include "common/UtcTimestamp.h"

namespace oncegate {

std::string AdminCall::auditRecord(unsigned status) const {
  std::string record;
  JsonWriter json(record);
  json.beginObject().key("time").string(utcTimestamp()).key("request_id").string(requestId);
  json.key("route").string(path).key("method").string(request.method);
  json.key("admin");
  if (tokenName.empty()) {
    json.null();
  } else {
    json.beginObject().key("name").string(tokenName).key("role").string(role).endObject();
  }
  json.key("kind").string(kind).key("id").string(id);
  if (!subjectType.empty()) {
    json.key("subject").beginObject().key("type").string(subjectType);
    json.key(subjectKey).string(subjectValue).endObject();
  }
  if (subjectsRead) json.key("subjects_read").integer(*subjectsRead);
  if (!change.empty()) json.key("change").string(change);
  json.key("status").integer(status).key("outcome").string(outcome);
  if (!request.changeComment.empty()) json.key("comment").string(request.changeComment);
  json.endObject();
  return record;
}

}  // namespace oncegate
