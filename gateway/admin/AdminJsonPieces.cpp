#include "gateway/admin/AdminJsonPieces.h"

#include <cstdint>

#include "common/JsonWriter.h"

namespace oncegate {

void AdminJsonPieces::writeKeys(std::string_view name, const std::vector<std::string>& keys,
                                JsonWriter& json) {
  json.key(name).beginArray();
  for (const auto& key : keys) json.string(key);
  json.endArray();
}

void AdminJsonPieces::writeScan(const AuditTrailReader::Scan& scan, JsonWriter& json) {
  json.key("scan").beginObject();
  json.key("lines_read").integer(static_cast<std::int64_t>(scan.linesRead));
  json.key("skipped").integer(static_cast<std::int64_t>(scan.skipped));
  json.key("limit_reached").boolean(scan.limitReached);
  json.key("budget_exhausted").boolean(scan.budgetExhausted);
  json.endObject();
}

void AdminJsonPieces::writePendingChange(const PendingChange& change, JsonWriter& json) {
  json.key("change").integer(static_cast<std::int64_t>(change.id));
  json.key("state").string(change.state);
  json.key("kind").string(change.kind).key("id").string(change.documentId);
  json.key("action").string(change.removal ? "remove" : "put");
  json.key("author").string(change.author).key("time").string(change.time);
  json.key("comment").string(change.comment);
  writeKeys("reasons", change.reasons, json);
  json.key("decision");
  if (change.decidedBy.empty()) {
    json.null();
  } else {
    json.beginObject().key("by").string(change.decidedBy).key("time").string(change.decidedAt);
    json.key("comment").string(change.decisionComment);
    json.key("version");
    change.appliedVersion == 0 ? json.null()
                               : json.integer(static_cast<std::int64_t>(change.appliedVersion));
    json.endObject();
  }
}

}  // namespace oncegate
