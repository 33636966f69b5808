#include "gateway/auditstore/ShippedLine.h"

#include <simdjson.h>

#include "common/Digest.h"
#include "gateway/audit/AuditLine.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate {

namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kCheckpointEvent = "audit_checkpoint";

std::string stringAt(const dom::object& object, std::string_view key) {
  std::string_view text;
  if (object[key].get_string().get(text) != simdjson::SUCCESS) return {};
  return std::string(text);
}

std::int64_t integerAt(const dom::object& object, std::string_view key) {
  std::int64_t number = 0;
  if (object[key].get_int64().get(number) != simdjson::SUCCESS) return 0;
  return number;
}

}  // namespace

std::optional<ShippedLine> ShippedLine::parse(std::string line, std::string_view hashKey) {
  const auto prev = AuditLine::prevOf(line);
  if (!prev) return std::nullopt;
  // One parser per thread: only the shipper's thread and the command line parse lines.
  thread_local dom::parser parser;
  dom::object object;
  if (parser.parse(line).get_object().get(object) != simdjson::SUCCESS) return std::nullopt;

  ShippedLine shipped;
  shipped.prev = std::string(*prev);
  shipped.sha256 = sha256Hex(line);
  shipped.time = stringAt(object, "time");
  shipped.requestId = stringAt(object, "request_id");
  shipped.route = stringAt(object, "route");
  shipped.event = shipped.route.empty() ? stringAt(object, "event") : "access";
  shipped.status = integerAt(object, "status");
  shipped.client = stringAt(object, "client");
  shipped.department = stringAt(object, "department");
  shipped.purpose = stringAt(object, "purpose");
  shipped.caseNumber = stringAt(object, "case");
  shipped.discloseAfter = stringAt(object, "disclose_after");
  shipped.records = integerAt(object, "records");
  dom::object subject;
  if (object["subject"].get_object().get(subject) == simdjson::SUCCESS) {
    shipped.subjectType = stringAt(subject, "type");
    // The validated subject is the type and one key: the key is whichever member is not "type".
    for (const auto member : subject) {
      std::string_view value;
      if (member.key == "type" || member.value.get_string().get(value) != simdjson::SUCCESS) {
        continue;
      }
      shipped.subjectHash = subjectIndexHash(hashKey, shipped.subjectType, value);
      break;
    }
  }
  dom::object fields;
  if (object["fields"].get_object().get(fields) == simdjson::SUCCESS) {
    for (const auto member : fields) {
      std::string_view outcome;
      if (member.value.get_string().get(outcome) != simdjson::SUCCESS) continue;
      // A key repeated in the line would repeat the store's (instance, seq, field) key.
      bool seen = false;
      for (const auto& field : shipped.fields) seen = seen || field.first == member.key;
      if (seen) continue;
      shipped.fields.emplace_back(std::string(member.key), std::string(outcome));
    }
  }
  if (shipped.event == kCheckpointEvent) {
    Checkpoint checkpoint;
    checkpoint.records = integerAt(object, "records");
    checkpoint.head = stringAt(object, "head");
    checkpoint.time = shipped.time;
    checkpoint.kid = stringAt(object, "kid");
    checkpoint.signature = stringAt(object, "signature");
    shipped.checkpoint = std::move(checkpoint);
  }
  shipped.line = std::move(line);
  return shipped;
}

}  // namespace oncegate
