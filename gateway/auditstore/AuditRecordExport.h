#pragma once

#include <string>
#include <string_view>

#include "gateway/auditstore/AuditSearch.h"

namespace oncegate {

class JsonWriter;

// How the auditors' search hands records out: as JSON (one object per record, the line as
// written under "record", beside where it is: {"instance":..,"seq":..,"record":{...}}), as JSON
// Lines (that object, one per line) and as CSV for a spreadsheet (RFC 4180; a cell a
// spreadsheet would take for a formula is defused).
namespace AuditRecordExport {

// The CSV columns, in order.
inline constexpr std::string_view kCsvHeader =
    "time,instance,seq,request_id,route,status,client,department,purpose,case,subject_type,"
    "fields\r\n";

// {"instance":..,"seq":..,"record":<the line as written>}
void writeJson(const AuditSearch::Record& record, JsonWriter& json);
// writeJson's object and "\n".
void appendJsonLine(const AuditSearch::Record& record, std::string& out);
// One CSV row ending in CRLF; fields as "id=outcome;id=outcome".
void appendCsvRow(const AuditSearch::Record& record, std::string& out);
// One RFC 4180 cell: quoted when it holds a comma, quote, CR or LF (quotes doubled); prefixed
// with ' when it starts with = + - or @, so that a spreadsheet shows it instead of running it.
void appendCsvCell(std::string_view text, std::string& out);

}  // namespace AuditRecordExport

}  // namespace oncegate
