// oncegatectl audit search: the auditors' search over the central audit record from the shell,
// every page of it, as JSON Lines, CSV or one JSON document.

#include <array>
#include <string>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditRecordExport.h"
#include "gateway/auditstore/AuditSearch.h"
#include "gateway/auditstore/AuditSearchParameters.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl audit search --config DIR [--subject ID] [--subject_type TYPE]\n"
    "           [--case CASE] [--client CLIENT] [--department DEPARTMENT] [--purpose PURPOSE]\n"
    "           [--field FIELD] [--outcome OUTCOME] [--since TIME] [--until TIME]\n"
    "           [--limit N] [--format jsonl|csv|json]\n"
    "Searches the central audit record (DIR/gateway.yaml's audit.store), every instance's\n"
    "records, and writes all that match in time order (then instance, then position).\n"
    "  --subject ID      the subject's ID number as typed; it is hashed with DIR's hash_key as "
    "the\n"
    "                    store indexes it, for every subject type whose pattern it matches\n"
    "  --subject_type T  hash it as that subject type only\n"
    "  --field, --outcome  records that asked FIELD; with --outcome, whose FIELD had OUTCOME (ok,\n"
    "                    not_found, denied, ...); --outcome alone: any field with it\n"
    "  --since, --until  UTC dates or times (2026-03-31, 2026-03-31T17:45:10Z): since <= time <\n"
    "                    until\n"
    "  --limit N         records fetched per query (default and at most 1000); every page is\n"
    "                    written whatever N is\n"
    "  --format          jsonl (default): one {\"instance\",\"seq\",\"record\"} a line, record "
    "being the\n"
    "                    line as written; csv: time,instance,seq,request_id,route,status,client,\n"
    "                    department,purpose,case,subject_type,fields; json: {\"records\":[...]}\n"
    "Exit status: 0 searched (even with nothing found), 1 configuration or store failure, 2 usage\n"
    "error.\n";

constexpr std::array<std::string_view, 13> kOptions = {
    "config", "subject", "subject_type", "case",  "client", "department", "purpose",
    "field",  "outcome", "since",        "until", "format", "limit"};

int runAuditSearch(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  if (arguments.positionals().front() != "search") {
    throw Error(ErrorCode::BadRequest, "unknown audit command '" + arguments.positionals().front() +
                                           "' (expected search)");
  }
  const auto directory = arguments.option("config");
  if (!directory) throw Error(ErrorCode::BadRequest, "--config DIR is required");
  const auto format = arguments.option("format").value_or("jsonl");
  if (format != "jsonl" && format != "csv" && format != "json") {
    throw Error(ErrorCode::BadRequest, "--format must be jsonl, csv or json");
  }
  const auto config = loadConfigurationReporting(*directory, err);
  if (!config) return kCtlExitFailed;
  const auto& store = config->gateway.audit.store;
  if (store.empty()) {
    err << "oncegatectl audit search: " << *directory
        << "/gateway.yaml has no audit.store: there is no central audit record to search\n";
    return kCtlExitFailed;
  }
  auto filter = AuditSearchParameters::filterFrom(
      [&arguments](std::string_view name) { return arguments.option(name); }, config->mappings,
      config->gateway.hashKey);
  // Every page, each as large as a page may be: --limit sets the page size only.
  if (!arguments.option("limit")) filter.limit = AuditSearch::kMaxLimit;
  odbc::OdbcClient client(store, "audit store");
  AuditSearch search(client);
  if (format == "csv") out << AuditRecordExport::kCsvHeader;
  if (format == "json") out << "{\"records\":[";
  bool first = true;
  while (true) {
    const auto page = search.find(filter);
    std::string text;
    for (const auto& record : page.records) {
      if (format == "csv") {
        AuditRecordExport::appendCsvRow(record, text);
      } else if (format == "jsonl") {
        AuditRecordExport::appendJsonLine(record, text);
      } else {
        if (!first) text.push_back(',');
        JsonWriter json(text);
        AuditRecordExport::writeJson(record, json);
      }
      first = false;
    }
    out << text;
    if (!page.next) break;
    filter.cursor = page.next;
  }
  if (format == "json") out << "]}\n";
  out.flush();
  return kCtlExitOk;
}

}  // namespace

CtlCommand auditSearchCommand() {
  return CtlCommand{"audit", "search the central audit record (audit search --config DIR ...)",
                    kUsage,  {kOptions.begin(), kOptions.end()},
                    1,       runAuditSearch};
}

}  // namespace oncegate
