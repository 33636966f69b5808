#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/reports/SharingReportParameters.h"

namespace oncegate {

// The sharing report (统一数据分析) of one period: how many fields the departments filled instead
// of the applicants, per group, in total and over time, what documents applicants were no
// longer asked for (减材料), and how fast each source answered. docs/reports.md says what each
// number means. SharingReportAccumulator makes it; SharingReportRendering writes it.
struct SharingReport {
  struct Counts {
    std::int64_t requests = 0;
    std::int64_t fieldsAsked = 0;
    std::int64_t fieldsServed = 0;
    std::int64_t servedFromCache = 0;
    std::int64_t denied = 0;
    std::int64_t notFound = 0;
    std::int64_t unavailable = 0;
    std::int64_t verifyOnly = 0;
    std::int64_t unknownField = 0;
    // The denominator: per request, the form's entries for a prefill, else the fields asked.
    std::int64_t formFields = 0;
    std::int64_t documentsSpared = 0;
    std::map<std::string, std::int64_t> documents;  // document -> times spared

    // fieldsServed / formFields to 3 decimals; 0 without form fields.
    double sharingRate() const;
  };

  struct Group {
    std::optional<std::string> key;  // none: the records without the grouping's value
    std::string label;
    Counts counts;
  };

  struct SourceLatency {
    std::string source;
    std::int64_t queries = 0;
    double p50Ms = 0;  // nearest-rank percentiles
    double p90Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
  };

  struct Bucket {
    SharingReportParameters::TimePoint start;
    std::int64_t requests = 0;
    std::int64_t fieldsAsked = 0;
    std::int64_t fieldsServed = 0;
    std::int64_t formFields = 0;

    double sharingRate() const;
  };

  SharingReportParameters parameters;
  std::string computedFrom;   // "trail" or "store"
  std::vector<Group> groups;  // by key, the group without one last
  Counts totals;
  std::vector<SourceLatency> sources;  // by source id
  std::vector<Bucket> series;          // every interval of the period, in time order
};

}  // namespace oncegate
