#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gateway/reports/SharingReport.h"

namespace oncegate {

class AuditRecordFeed;
class MappingCatalog;

// Adds audit records up into a SharingReport. Only data requests answered 200 within the
// period count (/v1/resolve, /v1/verify, /v1/forms/{form}/prefill); every other line is passed
// over. What a record does not say is taken from `mappings`, the configuration in force: a
// field's dataset and source, a form's title and which documents its entries replace.
//
// Not thread-safe; `mappings` must outlive it.
class SharingReportAccumulator {
 public:
  SharingReportAccumulator(SharingReportParameters parameters, const MappingCatalog& mappings);
  ~SharingReportAccumulator();
  SharingReportAccumulator(const SharingReportAccumulator&) = delete;
  SharingReportAccumulator& operator=(const SharingReportAccumulator&) = delete;

  // One audit line as written; true when it was counted.
  bool add(std::string_view line);

  // The report of what was added so far.
  SharingReport report(std::string computedFrom) const;

  // Every record `feed` has for the period, added up.
  static SharingReport compute(const SharingReportParameters& parameters,
                               const MappingCatalog& mappings, AuditRecordFeed& feed);

 private:
  struct Record;
  void count(const Record& record);

  SharingReportParameters parameters_;
  const MappingCatalog& mappings_;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace oncegate
