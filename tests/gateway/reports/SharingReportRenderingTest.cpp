#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "gateway/audit/AuditTrailReader.h"
#include "gateway/reports/SharingReportRendering.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;

SharingReport sample() {
  SharingReport report;
  report.parameters.from = *AuditTrailReader::parseTime("2026-12-05T00:00:00Z");
  report.parameters.to = *AuditTrailReader::parseTime("2026-12-05T01:00:00Z");
  report.computedFrom = "store";
  SharingReport::Counts counts;
  counts.requests = 1;
  counts.fieldsAsked = 33;
  counts.fieldsServed = 33;
  counts.servedFromCache = 20;
  counts.formFields = 35;
  counts.documentsSpared = 2;
  counts.documents = {{"户口簿", 1}, {"工资证明", 1}};
  // A label a spreadsheet would run, and one with a comma and a quote.
  report.groups.push_back({"retirement", "=HYPERLINK(\"x\")", counts});
  report.groups.push_back({std::nullopt, "(none), \"other\"", SharingReport::Counts{}});
  report.totals = counts;
  report.sources.push_back({"hr", 3, 1.5, 2.25, 3, 3});
  report.series.push_back({report.parameters.from, 1, 33, 33, 35});
  return report;
}

TEST(SharingReportRenderingTest, CsvHasTheHeaderOneRowPerGroupAndTheTotals) {
  const auto csv = SharingReportRendering::csv(sample());
  EXPECT_EQ(csv,
            "key,label,requests,fields_asked,fields_served,served_from_cache,denied,not_found,"
            "unavailable,verify_only,unknown_field,form_fields,sharing_rate,documents_spared\r\n"
            "retirement,\"'=HYPERLINK(\"\"x\"\")\",1,33,33,20,0,0,0,0,0,35,0.943,2\r\n"
            ",\"(none), \"\"other\"\"\",0,0,0,0,0,0,0,0,0,0,0,0\r\n"
            "total,total,1,33,33,20,0,0,0,0,0,35,0.943,2\r\n");
}

TEST(SharingReportRenderingTest, JsonHasEverySection) {
  const auto json = SharingReportRendering::json(sample(), "req-1");
  EXPECT_THAT(json, HasSubstr(R"({"request_id":"req-1","from":"2026-12-05T00:00:00Z",)"
                              R"("to":"2026-12-05T01:00:00Z","by":"form","interval":"hour",)"
                              R"("computed_from":"store","groups":[{"key":"retirement",)"));
  EXPECT_THAT(json, HasSubstr(R"("form_fields":35,"sharing_rate":0.943,"documents_spared":2,)"
                              R"("documents":[{"document":"工资证明","spared":1},)"
                              R"({"document":"户口簿","spared":1}]})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":null,"label":"(none), \"other\"","requests":0,)"));
  EXPECT_THAT(json, HasSubstr(R"("totals":{"requests":1,)"));
  EXPECT_THAT(json, HasSubstr(R"("sources":[{"source":"hr","queries":3,"p50_ms":1.5,)"
                              R"("p90_ms":2.25,"p99_ms":3,"max_ms":3}])"));
  EXPECT_THAT(json, HasSubstr(R"("series":[{"start":"2026-12-05T00:00:00Z","requests":1,)"
                              R"("fields_asked":33,"fields_served":33,"form_fields":35,)"
                              R"("sharing_rate":0.943}]})"));
  // oncegatectl has no request id.
  EXPECT_THAT(SharingReportRendering::json(sample(), ""), HasSubstr(R"({"from":)"));
}

}  // namespace
}  // namespace oncegate
