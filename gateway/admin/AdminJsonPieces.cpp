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

}  // namespace oncegate
