#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "gateway/audit/AuditTrailReader.h"
#include "gateway/reports/SharingReportAccumulator.h"
#include "mappings/MappingCatalog.h"
#include "mappings/MappingDocuments.h"

namespace oncegate {
namespace {

using Grouping = SharingReportParameters::Grouping;
using Interval = SharingReportParameters::Interval;

// Two sources, three fields, one form of four entries: two naming 身份证, one 户口簿, one the
// applicant's.
MappingCatalog catalog() {
  MappingDocuments documents;
  documents.addSubjects(ConfigNode::parse(
      "- { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n", "subjects.yaml"));
  documents.addDatasets(ConfigNode::parse(
      "- { id: hr.basic, source: hr, subject: person, query: 'SELECT name, birth FROM p WHERE id "
      "= :id', params: { id: subject.id_card } }\n"
      "- { id: civil.household, source: civil, subject: person, query: 'SELECT address FROM h "
      "WHERE id = :id', params: { id: subject.id_card } }\n",
      "datasets.yaml"));
  documents.addFields(ConfigNode::parse(
      "- { id: person.name, dataset: hr.basic, column: name, type: string }\n"
      "- { id: person.birth, dataset: hr.basic, column: birth, type: string }\n"
      "- { id: person.address, dataset: civil.household, column: address, type: string }\n",
      "fields.yaml"));
  documents.addForms(
      ConfigNode::parse("- id: claim\n"
                        "  title: 申领\n"
                        "  purpose: benefits\n"
                        "  subject: person\n"
                        "  fields:\n"
                        "    - { id: person.name, replaces: 身份证 }\n"
                        "    - { id: person.birth, replaces: 身份证 }\n"
                        "    - { id: person.address, replaces: 户口簿 }\n"
                        "    - { id: applicant.signature, supplied_by: applicant }\n",
                        "forms.yaml"));
  return MappingCatalog::build(std::move(documents), {"hr", "civil"});
}

// 2026-12-05 00:00Z to 03:00Z, hourly.
SharingReportParameters period(Grouping by = Grouping::Form) {
  SharingReportParameters parameters;
  parameters.from = *AuditTrailReader::parseTime("2026-12-05T00:00:00Z");
  parameters.to = *AuditTrailReader::parseTime("2026-12-05T03:00:00Z");
  parameters.by = by;
  parameters.interval = Interval::Hour;
  return parameters;
}

// Hand-made audit lines, as DataRequestService writes them (keys a reader does not know
// included: they must be harmless).
const std::vector<std::string> kLines = {
    // A prefill: every field served, hr's dataset from the cache: both documents spared.
    R"({"time":"2026-12-05T01:10:00.000Z","request_id":"r1","trace_id":"t1","route":"/v1/forms/claim/prefill","status":200,"client":"c1","department":"D1","purpose":"benefits","case":"K1","subject":{"type":"person","id_card":"110101199003070019"},"form":"claim","form_total":4,"fields":{"person.name":"ok","person.birth":"ok","person.address":"ok"},"datasets":[{"id":"hr.basic","source":"hr","from":"cache","outcome":"found"},{"id":"civil.household","source":"civil","from":"source","ms":2.5,"outcome":"found"}],"future":[1,{"x":2}],"prev":"00"})",
    // A prefill whose birth date was not found: 身份证 is still asked of the applicant.
    R"({"time":"2026-12-05T01:50:00.000Z","request_id":"r2","route":"/v1/forms/claim/prefill","status":200,"client":"c1","department":"D1","purpose":"benefits","case":"K2","subject":{"type":"person","id_card":"110101199003070019"},"form":"claim","form_total":4,"fields":{"person.name":"ok","person.birth":"not_found","person.address":"ok"},"datasets":[{"id":"hr.basic","source":"hr","from":"source","ms":1.0,"outcome":"found"},{"id":"civil.household","source":"civil","from":"source","ms":4.0,"outcome":"found"}],"prev":"00"})",
    // A resolve with every other outcome.
    R"({"time":"2026-12-05T02:30:00.000Z","request_id":"r3","route":"/v1/resolve","status":200,"client":"c2","department":"D2","purpose":"benefits","case":"","subject":{"type":"person"},"fields":{"person.name":"ok","person.address":"denied","person.salary":"verify_only","person.nope":"unknown_field","person.birth":"unavailable"},"datasets":[{"id":"hr.basic","source":"hr","from":"source","ms":3.0,"outcome":"found"}],"prev":"00"})",
    // A verify, from the cache; person.old is no longer configured: served, not counted cached.
    R"({"time":"2026-12-05T02:40:00.000Z","request_id":"r4","route":"/v1/verify","status":200,"client":"c2","department":"D2","purpose":"benefits","case":"","subject":{"type":"person"},"fields":{"person.name":"ok","person.old":"ok"},"datasets":[{"id":"hr.basic","source":"hr","from":"cache","outcome":"found"},{"id":"hr.old","source":"hr","from":"cache","outcome":"found"}],"prev":"00"})",
};

// Lines that do not count: a refusal, an admin call, one before the period, a torn line.
const std::vector<std::string> kIgnored = {
    R"({"time":"2026-12-05T01:00:00.000Z","request_id":"x1","route":"/v1/resolve","status":403,"client":"c2","department":"D2","purpose":"benefits","case":"","subject":{"type":"person"},"fields":{"person.name":"refused"},"datasets":[],"prev":"00"})",
    R"({"time":"2026-12-05T01:00:00.000Z","request_id":"x2","route":"/admin/v1/reports/sharing","status":200,"admin":{"name":"a","role":"auditor"},"prev":"00"})",
    R"({"time":"2026-12-04T23:59:59.999Z","request_id":"x3","route":"/v1/resolve","status":200,"client":"c2","department":"D2","purpose":"benefits","case":"","subject":{"type":"person"},"fields":{"person.name":"ok"},"datasets":[],"prev":"00"})",
    R"({"time":"2026-12-05T03:00:00.000Z","request_id":"x4","route":"/v1/resolve","status":200,"client":"c2","department":"D2","purpose":"benefits","case":"","subject":{"type":"person"},"fields":{"person.name":"ok"},"datasets":[],"prev":"00"})",
    R"({"time":"2026-12-05T01:00:00.000Z","request_id":"x5","route":"/v1/res)",
};

SharingReport reportOf(const MappingCatalog& mappings, const SharingReportParameters& parameters,
                       const std::vector<std::string>& lines) {
  SharingReportAccumulator accumulator(parameters, mappings);
  for (const auto& line : lines) accumulator.add(line);
  return accumulator.report("trail");
}

const SharingReport::Group* groupOf(const SharingReport& report,
                                    const std::optional<std::string>& key) {
  for (const auto& group : report.groups) {
    if (group.key == key) return &group;
  }
  return nullptr;
}

TEST(SharingReportAccumulatorTest, CountsEveryOutcomeInTheTotals) {
  const auto mappings = catalog();
  const auto report = reportOf(mappings, period(), kLines);
  const auto& totals = report.totals;
  EXPECT_EQ(totals.requests, 4);
  EXPECT_EQ(totals.fieldsAsked, 13);
  EXPECT_EQ(totals.fieldsServed, 8);
  EXPECT_EQ(totals.servedFromCache, 3);
  EXPECT_EQ(totals.denied, 1);
  EXPECT_EQ(totals.notFound, 1);
  EXPECT_EQ(totals.unavailable, 1);
  EXPECT_EQ(totals.verifyOnly, 1);
  EXPECT_EQ(totals.unknownField, 1);
  // Each prefill counts its form's 4 entries, the others the fields they asked.
  EXPECT_EQ(totals.formFields, 4 + 4 + 5 + 2);
  EXPECT_DOUBLE_EQ(totals.sharingRate(), 0.533);
  EXPECT_EQ(totals.documentsSpared, 3);
  EXPECT_EQ(totals.documents, (std::map<std::string, std::int64_t>{{"户口簿", 2}, {"身份证", 1}}));
  EXPECT_EQ(report.computedFrom, "trail");
}

TEST(SharingReportAccumulatorTest, LinesThatAreNotDataRequestsOfThePeriodAnsweredOkDoNotCount) {
  const auto mappings = catalog();
  SharingReportAccumulator accumulator(period(), mappings);
  for (const auto& line : kIgnored) EXPECT_FALSE(accumulator.add(line)) << line;
  const auto report = accumulator.report("trail");
  EXPECT_EQ(report.totals.requests, 0);
  EXPECT_TRUE(report.groups.empty());
  EXPECT_TRUE(report.sources.empty());
}

TEST(SharingReportAccumulatorTest, GroupsByFormWithTheFormsTitleAndTheRestUnderNull) {
  const auto mappings = catalog();
  const auto report = reportOf(mappings, period(), kLines);
  ASSERT_EQ(report.groups.size(), 2U);
  const auto& claim = report.groups[0];
  EXPECT_EQ(claim.key, "claim");
  EXPECT_EQ(claim.label, "申领");
  EXPECT_EQ(claim.counts.requests, 2);
  EXPECT_EQ(claim.counts.fieldsAsked, 6);
  EXPECT_EQ(claim.counts.fieldsServed, 5);
  EXPECT_EQ(claim.counts.servedFromCache, 2);
  EXPECT_EQ(claim.counts.notFound, 1);
  EXPECT_EQ(claim.counts.formFields, 8);
  EXPECT_DOUBLE_EQ(claim.counts.sharingRate(), 0.625);
  EXPECT_EQ(claim.counts.documentsSpared, 3);
  // The group without a form comes last.
  const auto& none = report.groups[1];
  EXPECT_EQ(none.key, std::nullopt);
  EXPECT_EQ(none.label, "(none)");
  EXPECT_EQ(none.counts.requests, 2);
  EXPECT_EQ(none.counts.fieldsAsked, 7);
  EXPECT_EQ(none.counts.fieldsServed, 3);
  EXPECT_EQ(none.counts.servedFromCache, 1);
  EXPECT_EQ(none.counts.formFields, 7);
  EXPECT_EQ(none.counts.documentsSpared, 0);
}

TEST(SharingReportAccumulatorTest, GroupsByDepartmentAndByClient) {
  const auto mappings = catalog();
  for (const auto by : {Grouping::Department, Grouping::Client}) {
    const auto report = reportOf(mappings, period(by), kLines);
    ASSERT_EQ(report.groups.size(), 2U);
    EXPECT_EQ(report.groups[0].key, by == Grouping::Client ? "c1" : "D1");
    EXPECT_EQ(report.groups[0].label, *report.groups[0].key);
    EXPECT_EQ(report.groups[0].counts.requests, 2);
    EXPECT_EQ(report.groups[0].counts.formFields, 8);
    EXPECT_EQ(report.groups[1].counts.requests, 2);
    EXPECT_EQ(report.groups[1].counts.fieldsServed, 3);
  }
}

TEST(SharingReportAccumulatorTest, GroupsBySourceThroughTheConfigurationInForce) {
  const auto mappings = catalog();
  const auto report = reportOf(mappings, period(Grouping::Source), kLines);
  ASSERT_EQ(report.groups.size(), 3U);
  const auto* civil = groupOf(report, "civil");
  const auto* hr = groupOf(report, "hr");
  const auto* none = groupOf(report, std::nullopt);
  ASSERT_TRUE(civil && hr && none);
  EXPECT_EQ(hr->counts.requests, 4);
  EXPECT_EQ(hr->counts.fieldsAsked, 7);
  EXPECT_EQ(hr->counts.fieldsServed, 5);
  EXPECT_EQ(hr->counts.servedFromCache, 3);
  EXPECT_EQ(hr->counts.notFound, 1);
  EXPECT_EQ(hr->counts.unavailable, 1);
  EXPECT_EQ(hr->counts.formFields, 7);
  // 身份证's entries are both hr's.
  EXPECT_EQ(hr->counts.documents, (std::map<std::string, std::int64_t>{{"身份证", 1}}));
  EXPECT_EQ(civil->counts.requests, 3);
  EXPECT_EQ(civil->counts.fieldsServed, 2);
  EXPECT_EQ(civil->counts.denied, 1);
  EXPECT_EQ(civil->counts.documentsSpared, 2);
  // Fields no longer configured, unknown ones, and the applicant's own entries.
  EXPECT_EQ(none->counts.requests, 4);
  EXPECT_EQ(none->counts.fieldsAsked, 3);
  EXPECT_EQ(none->counts.fieldsServed, 1);
  EXPECT_EQ(none->counts.verifyOnly, 1);
  EXPECT_EQ(none->counts.unknownField, 1);
  EXPECT_EQ(none->counts.formFields, 1 + 1 + 2 + 1);
  // The groups add up to the totals.
  EXPECT_EQ(hr->counts.formFields + civil->counts.formFields + none->counts.formFields,
            report.totals.formFields);
  EXPECT_EQ(report.totals.requests, 4);
}

TEST(SharingReportAccumulatorTest, GroupsByFieldADocumentOfSeveralFieldsGoesToNull) {
  const auto mappings = catalog();
  const auto report = reportOf(mappings, period(Grouping::Field), kLines);
  const auto* name = groupOf(report, "person.name");
  const auto* address = groupOf(report, "person.address");
  const auto* none = groupOf(report, std::nullopt);
  ASSERT_TRUE(name && address && none);
  EXPECT_EQ(name->counts.requests, 4);
  EXPECT_EQ(name->counts.fieldsServed, 4);
  EXPECT_EQ(name->counts.servedFromCache, 2);
  EXPECT_EQ(name->counts.formFields, 4);
  EXPECT_EQ(address->counts.documents, (std::map<std::string, std::int64_t>{{"户口簿", 2}}));
  EXPECT_EQ(none->counts.documents, (std::map<std::string, std::int64_t>{{"身份证", 1}}));
  EXPECT_EQ(report.totals.documentsSpared, 3);
}

TEST(SharingReportAccumulatorTest, SeriesHasEveryIntervalOfThePeriod) {
  const auto mappings = catalog();
  const auto report = reportOf(mappings, period(), kLines);
  ASSERT_EQ(report.series.size(), 3U);
  EXPECT_EQ(SharingReportParameters::timeText(report.series[0].start), "2026-12-05T00:00:00Z");
  EXPECT_EQ(report.series[0].requests, 0);
  EXPECT_EQ(report.series[1].requests, 2);
  EXPECT_EQ(report.series[1].fieldsAsked, 6);
  EXPECT_EQ(report.series[1].fieldsServed, 5);
  EXPECT_EQ(report.series[1].formFields, 8);
  EXPECT_DOUBLE_EQ(report.series[1].sharingRate(), 0.625);
  EXPECT_EQ(report.series[2].requests, 2);
  EXPECT_EQ(report.series[2].formFields, 7);
}

TEST(SharingReportAccumulatorTest, DailySeriesStartsOnTheDayOfAPeriodStartingMidDay) {
  const auto mappings = catalog();
  auto parameters = period();
  parameters.from = *AuditTrailReader::parseTime("2026-12-04T12:00:00Z");
  parameters.interval = Interval::Day;
  const auto report = reportOf(mappings, parameters, kLines);
  ASSERT_EQ(report.series.size(), 2U);
  EXPECT_EQ(SharingReportParameters::timeText(report.series[0].start), "2026-12-04T00:00:00Z");
  EXPECT_EQ(report.series[1].requests, 4);
}

TEST(SharingReportAccumulatorTest, SourceLatencyPercentilesAreNearestRank) {
  const auto mappings = catalog();
  auto report = reportOf(mappings, period(), kLines);
  ASSERT_EQ(report.sources.size(), 2U);
  EXPECT_EQ(report.sources[0].source, "civil");
  EXPECT_EQ(report.sources[0].queries, 2);
  EXPECT_DOUBLE_EQ(report.sources[0].p50Ms, 2.5);
  EXPECT_DOUBLE_EQ(report.sources[0].p90Ms, 4.0);
  EXPECT_EQ(report.sources[1].source, "hr");
  EXPECT_EQ(report.sources[1].queries, 2);  // the cached datasets took no query

  // 1..10 ms: p50 is the 5th, p90 the 9th, p99 the 10th.
  std::vector<std::string> lines;
  for (int ms = 10; ms >= 1; --ms) {
    lines.push_back(
        R"({"time":"2026-12-05T00:30:00.000Z","route":"/v1/resolve","status":200,"client":"c","department":"D","fields":{"person.name":"ok"},"datasets":[{"id":"hr.basic","source":"hr","from":"source","ms":)" +
        std::to_string(ms) + R"(.25,"outcome":"found"}],"prev":"00"})");
  }
  report = reportOf(mappings, period(), lines);
  ASSERT_EQ(report.sources.size(), 1U);
  EXPECT_EQ(report.sources[0].queries, 10);
  EXPECT_DOUBLE_EQ(report.sources[0].p50Ms, 5.25);
  EXPECT_DOUBLE_EQ(report.sources[0].p90Ms, 9.25);
  EXPECT_DOUBLE_EQ(report.sources[0].p99Ms, 10.25);
  EXPECT_DOUBLE_EQ(report.sources[0].maxMs, 10.25);
}

TEST(SharingReportAccumulatorTest, PercentilesOfAHundredValuesAreTheirRanks) {
  // 100 values: p50 is the 50th, p90 the 90th, p99 the 99th.
  const auto mappings = catalog();
  std::vector<std::string> lines;
  for (int ms = 1; ms <= 100; ++ms) {
    lines.push_back(
        R"({"time":"2026-12-05T00:30:00.000Z","route":"/v1/resolve","status":200,"client":"c","department":"D","fields":{"person.name":"ok"},"datasets":[{"id":"hr.basic","source":"hr","from":"source","ms":)" +
        std::to_string(ms) + R"(,"outcome":"found"}],"prev":"00"})");
  }
  const auto report = reportOf(mappings, period(), lines);
  ASSERT_EQ(report.sources.size(), 1U);
  EXPECT_DOUBLE_EQ(report.sources[0].p50Ms, 50);
  EXPECT_DOUBLE_EQ(report.sources[0].p90Ms, 90);
  EXPECT_DOUBLE_EQ(report.sources[0].p99Ms, 99);
  EXPECT_DOUBLE_EQ(report.sources[0].maxMs, 100);
}

TEST(SharingReportAccumulatorTest, APrefillWrittenBeforeRecordsNamedTheFormIsReadFromItsPath) {
  const auto mappings = catalog();
  const auto report = reportOf(
      mappings, period(),
      {R"({"time":"2026-12-05T00:30:00.000Z","route":"/v1/forms/claim/prefill","status":200,"client":"c","department":"D","fields":{"person.name":"ok","person.birth":"ok","person.address":"not_found"},"datasets":[],"prev":"00"})"});
  ASSERT_EQ(report.groups.size(), 1U);
  EXPECT_EQ(report.groups[0].key, "claim");
  // Its size from the form as configured now.
  EXPECT_EQ(report.totals.formFields, 4);
  EXPECT_EQ(report.totals.documents, (std::map<std::string, std::int64_t>{{"身份证", 1}}));
}

}  // namespace
}  // namespace oncegate
