#pragma once

// Puts a gateway's local audit trail into the central audit record as the contract says the
// shipper writes it (AuditStoreSchema): one row per line with its columns, one row per field.
// For the tests of the search and the citizen's listing that need records in the store without
// depending on the shipper; the end-to-end test (AuditSearchTest) uses the shipper itself.
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/Digest.h"
#include "common/Value.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditStoreSchema.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate::testing {

// Ships every line of `trail` under `instance`; returns how many lines it shipped.
inline std::size_t shipTrail(const std::filesystem::path& trail, const std::string& instance,
                             const std::string& store, const std::string& hashKey) {
  odbc::OdbcClient client(store, "audit store (test)");
  createAuditStoreSchema(client);
  std::ifstream in(trail);
  std::string line;
  std::string prev;
  std::int64_t seq = 0;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++seq;
    simdjson::dom::object object;
    if (parser.parse(line).get(object)) throw std::runtime_error("not JSON: " + line);
    const auto text = [&object](const char* key) {
      std::string_view value;
      return object[key].get(value) ? std::string() : std::string(value);
    };
    std::int64_t status = 0;
    if (object["status"].get(status)) status = 0;
    const auto route = text("route");
    const auto event = route.starts_with("/v1/") ? std::string("access") : text("event");
    std::string subjectType;
    std::string subjectHash;
    simdjson::dom::object subject;
    if (!object["subject"].get(subject)) {
      for (const auto [key, value] : subject) {
        std::string_view keyValue;
        if (value.get(keyValue)) continue;
        if (key == "type") {
          subjectType = std::string(keyValue);
        } else {
          subjectHash = std::string(keyValue);
        }
      }
      if (!subjectHash.empty()) subjectHash = subjectIndexHash(hashKey, subjectType, subjectHash);
    }
    const auto sha = sha256Hex(line);
    client.execute(
        "INSERT INTO oncegate_audit_records (instance, seq, time, event, request_id, route, "
        "status, client, department, purpose, case_number, subject_type, subject_hash, "
        "disclose_after, line, line_sha256, prev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?)",
        {Value::string(instance), Value::integer(seq), Value::string(text("time")),
         Value::string(event), Value::string(text("request_id")), Value::string(route),
         Value::integer(status), Value::string(text("client")), Value::string(text("department")),
         Value::string(text("purpose")), Value::string(text("case")), Value::string(subjectType),
         Value::string(subjectHash), Value::string(text("disclose_after")), Value::string(line),
         Value::string(sha), Value::string(prev)});
    prev = sha;
    simdjson::dom::object fields;
    if (object["fields"].get(fields)) continue;
    for (const auto [field, outcome] : fields) {
      std::string_view outcomeText;
      if (outcome.get(outcomeText)) continue;
      client.execute(
          "INSERT INTO oncegate_audit_fields (instance, seq, field, outcome) VALUES (?, ?, ?, ?)",
          {Value::string(instance), Value::integer(seq), Value::string(std::string(field)),
           Value::string(std::string(outcomeText))});
    }
  }
  return static_cast<std::size_t>(seq);
}

}  // namespace oncegate::testing
