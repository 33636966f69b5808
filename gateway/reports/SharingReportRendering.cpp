#include "gateway/reports/SharingReportRendering.h"

#include "common/JsonWriter.h"
#include "gateway/auditstore/AuditRecordExport.h"

namespace oncegate {

namespace {

void writeCounts(const SharingReport::Counts& counts, JsonWriter& json) {
  json.key("requests").integer(counts.requests);
  json.key("fields_asked").integer(counts.fieldsAsked);
  json.key("fields_served").integer(counts.fieldsServed);
  json.key("served_from_cache").integer(counts.servedFromCache);
  json.key("denied").integer(counts.denied);
  json.key("not_found").integer(counts.notFound);
  json.key("unavailable").integer(counts.unavailable);
  json.key("verify_only").integer(counts.verifyOnly);
  json.key("unknown_field").integer(counts.unknownField);
  json.key("form_fields").integer(counts.formFields);
  json.key("sharing_rate").number(counts.sharingRate());
  json.key("documents_spared").integer(counts.documentsSpared);
  json.key("documents").beginArray();
  for (const auto& [document, spared] : counts.documents) {
    json.beginObject().key("document").string(document).key("spared").integer(spared).endObject();
  }
  json.endArray();
}

// A rate with its 3 decimals, as the JSON shows it ("0.943", "1", "0").
std::string rateText(double rate) {
  std::string text;
  JsonWriter(text).number(rate);
  return text;
}

void appendCsvRow(std::string_view key, std::string_view label, const SharingReport::Counts& counts,
                  std::string& out) {
  AuditRecordExport::appendCsvCell(key, out);
  out.push_back(',');
  AuditRecordExport::appendCsvCell(label, out);
  for (const auto number :
       {counts.requests, counts.fieldsAsked, counts.fieldsServed, counts.servedFromCache,
        counts.denied, counts.notFound, counts.unavailable, counts.verifyOnly, counts.unknownField,
        counts.formFields}) {
    out.push_back(',');
    out += std::to_string(number);
  }
  out.push_back(',');
  out += rateText(counts.sharingRate());
  out.push_back(',');
  out += std::to_string(counts.documentsSpared);
  out += "\r\n";
}

}  // namespace

std::string SharingReportRendering::json(const SharingReport& report, std::string_view requestId) {
  using Parameters = SharingReportParameters;
  std::string out;
  JsonWriter json(out);
  json.beginObject();
  if (!requestId.empty()) json.key("request_id").string(requestId);
  json.key("from").string(Parameters::timeText(report.parameters.from));
  json.key("to").string(Parameters::timeText(report.parameters.to));
  json.key("by").string(Parameters::nameOf(report.parameters.by));
  json.key("interval").string(Parameters::nameOf(report.parameters.interval));
  json.key("computed_from").string(report.computedFrom);
  json.key("groups").beginArray();
  for (const auto& group : report.groups) {
    json.beginObject().key("key");
    group.key ? json.string(*group.key) : json.null();
    json.key("label").string(group.label);
    writeCounts(group.counts, json);
    json.endObject();
  }
  json.endArray();
  json.key("totals").beginObject();
  writeCounts(report.totals, json);
  json.endObject();
  json.key("sources").beginArray();
  for (const auto& source : report.sources) {
    json.beginObject().key("source").string(source.source).key("queries").integer(source.queries);
    json.key("p50_ms").number(source.p50Ms).key("p90_ms").number(source.p90Ms);
    json.key("p99_ms").number(source.p99Ms).key("max_ms").number(source.maxMs).endObject();
  }
  json.endArray();
  json.key("series").beginArray();
  for (const auto& bucket : report.series) {
    json.beginObject().key("start").string(Parameters::timeText(bucket.start));
    json.key("requests").integer(bucket.requests);
    json.key("fields_asked").integer(bucket.fieldsAsked);
    json.key("fields_served").integer(bucket.fieldsServed);
    json.key("form_fields").integer(bucket.formFields);
    json.key("sharing_rate").number(bucket.sharingRate()).endObject();
  }
  json.endArray().endObject();
  return out;
}

std::string SharingReportRendering::csv(const SharingReport& report) {
  std::string out(kCsvHeader);
  for (const auto& group : report.groups) {
    appendCsvRow(group.key ? std::string_view(*group.key) : std::string_view(), group.label,
                 group.counts, out);
  }
  appendCsvRow(kTotalKey, kTotalKey, report.totals, out);
  return out;
}

}  // namespace oncegate
