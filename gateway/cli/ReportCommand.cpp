// oncegatectl report: the sharing report from the shell, the same document
// GET /admin/v1/reports/sharing answers, made by the same code (gateway/reports).

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/reports/ConfiguredRecordFeed.h"
#include "gateway/reports/SharingReportAccumulator.h"
#include "gateway/reports/SharingReportParameters.h"
#include "gateway/reports/SharingReportRendering.h"
#include "gateway/reports/StoreRecordFeed.h"
#include "gateway/reports/TrailRecordFeed.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl report --config DIR [--from TIME] [--to TIME]\n"
    "           [--by form|department|client|source|field] [--interval hour|day]\n"
    "           [--format json|csv] [--store ODBC | --trail FILE]\n"
    "Writes the sharing report of a period (the document GET /admin/v1/reports/sharing answers):\n"
    "per group, requests, fields asked and served, served from cache, denied, not found,\n"
    "unavailable, the sharing rate and the documents spared; per source the query latency\n"
    "percentiles; the series over time. docs/reports.md says what each number means.\n"
    "  --config DIR      the configuration in force: fields' datasets, forms and their documents\n"
    "  --from, --to      UTC dates or times (2026-12-05, 2026-12-05T03:00:00Z); to is exclusive,\n"
    "                    by default now; from by default 30 days before to\n"
    "  --by              the grouping (default form)\n"
    "  --interval        the series' step (default hour up to 2 days, else day)\n"
    "  --format          json (default) or csv\n"
    "  --store ODBC      read the central audit record at this connection string\n"
    "  --trail FILE      read this audit trail (its rotated files included)\n"
    "                    (default: DIR's audit.store when configured, else its audit.path)\n"
    "Exit status: 0 reported, 1 configuration or read failure, 2 usage error.\n";

constexpr std::array<std::string_view, 8> kOptions = {"config",   "from",   "to",    "by",
                                                      "interval", "format", "store", "trail"};

int runReport(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const auto directory = arguments.option("config");
  if (!directory) throw Error(ErrorCode::BadRequest, "--config DIR is required");
  if (arguments.option("store") && arguments.option("trail")) {
    throw Error(ErrorCode::BadRequest, "give --store or --trail, not both");
  }
  const auto parameters = SharingReportParameters::parse(
      [&arguments](std::string_view name) { return arguments.option(name); },
      std::chrono::system_clock::now());
  const auto config = loadConfigurationReporting(*directory, err);
  if (!config) return kCtlExitFailed;
  std::unique_ptr<AuditRecordFeed> feed;
  if (const auto store = arguments.option("store")) {
    feed = std::make_unique<StoreRecordFeed>(*store);
  } else if (const auto trail = arguments.option("trail")) {
    feed = std::make_unique<TrailRecordFeed>(*trail);
  } else {
    feed = configuredRecordFeed(config->gateway);
  }
  const auto report = SharingReportAccumulator::compute(parameters, config->mappings, *feed);
  if (parameters.format == SharingReportParameters::Format::Csv) {
    out << SharingReportRendering::csv(report);
  } else {
    out << SharingReportRendering::json(report, {}) << "\n";
  }
  out.flush();
  return kCtlExitOk;
}

}  // namespace

CtlCommand reportCommand() {
  return CtlCommand{"report", "the sharing report of a period (report --config DIR ...)",
                    kUsage,   {kOptions.begin(), kOptions.end()},
                    0,        runReport};
}

}  // namespace oncegate
