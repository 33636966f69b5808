#include "gateway/audit/AuditCheckpoint.h"

#include <simdjson.h>

#include "common/JsonWriter.h"

namespace oncegate {

namespace {
// How every checkpoint line starts after its time (JsonWriter writes no spaces).
constexpr std::string_view kEventMarker = R"("event":"audit_checkpoint")";
}  // namespace

std::string AuditCheckpoint::signingInput(std::string_view head, std::uint64_t records,
                                          std::string_view time) {
  std::string input = "oncegate-audit-checkpoint-v1\n";
  input.append(head).append("\n").append(std::to_string(records)).append("\n").append(time);
  return input;
}

std::string AuditCheckpoint::record() const {
  std::string text;
  JsonWriter json(text);
  json.beginObject().key("time").string(time).key("event").string(kEvent);
  json.key("records").integer(static_cast<std::int64_t>(records));
  json.key("head").string(head).key("kid").string(kid).key("signature").string(signature);
  json.endObject();
  return text;
}

bool AuditCheckpoint::mayBe(std::string_view line) {
  return line.find(kEventMarker) != std::string_view::npos;
}

std::optional<AuditCheckpoint> AuditCheckpoint::parse(std::string_view line) {
  if (!mayBe(line)) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(line.data(), line.size()).get(object)) return std::nullopt;
  std::string_view event;
  if (object["event"].get(event) || event != kEvent) return std::nullopt;
  AuditCheckpoint checkpoint;
  const auto text = [&](const char* key) {
    std::string_view value;
    return object[key].get(value) ? std::string() : std::string(value);
  };
  checkpoint.time = text("time");
  checkpoint.head = text("head");
  checkpoint.kid = text("kid");
  checkpoint.signature = text("signature");
  std::uint64_t records = 0;
  if (!object["records"].get(records)) checkpoint.records = records;
  return checkpoint;
}

}  // namespace oncegate
