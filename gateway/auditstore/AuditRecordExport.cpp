#include "gateway/auditstore/AuditRecordExport.h"

#include "common/JsonWriter.h"

namespace oncegate::AuditRecordExport {

void writeJson(const AuditSearch::Record& record, JsonWriter& json) {
  json.beginObject().key("instance").string(record.instance).key("seq").integer(record.seq);
  // The line exactly as the trail holds it: its bytes are what the chain hashed.
  json.key("record").raw(record.line.empty() ? std::string_view("null") : record.line);
  json.endObject();
}

void appendJsonLine(const AuditSearch::Record& record, std::string& out) {
  JsonWriter json(out);
  writeJson(record, json);
  out.push_back('\n');
}

void appendCsvCell(std::string_view text, std::string& out) {
  // A leading = + - @ makes Excel and LibreOffice evaluate the cell (CSV injection): a client id
  // or case number is text an outsider may have chosen.
  const bool formula = !text.empty() && (text.front() == '=' || text.front() == '+' ||
                                         text.front() == '-' || text.front() == '@');
  const bool quoted = formula || text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quoted) out.push_back('"');
  if (formula) out.push_back('\'');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quoted) out.push_back('"');
}

void appendCsvRow(const AuditSearch::Record& record, std::string& out) {
  std::string fields;
  for (const auto& [id, outcome] : record.fields) {
    if (!fields.empty()) fields.push_back(';');
    fields.append(id).append("=").append(outcome);
  }
  const std::string seq = std::to_string(record.seq);
  const std::string status = std::to_string(record.status);
  const std::string_view cells[] = {record.time,       record.instance,    seq,
                                    record.requestId,  record.route,       status,
                                    record.client,     record.department,  record.purpose,
                                    record.caseNumber, record.subjectType, fields};
  bool first = true;
  for (const auto cell : cells) {
    if (!first) out.push_back(',');
    first = false;
    appendCsvCell(cell, out);
  }
  out.append("\r\n");
}

}  // namespace oncegate::AuditRecordExport
