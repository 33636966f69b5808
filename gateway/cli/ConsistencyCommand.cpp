// oncegatectl consistency: the 一数一源 check of one indicator from the shell, the same document
// POST /admin/v1/reports/consistency answers (without its request_id), read straight from the
// sources of DIR's configuration.

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "common/Error.h"
#include "common/JsonWriter.h"
#include "connectors/odbc/OdbcClient.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/reports/ConsistencyCheck.h"
#include "gateway/reports/RecentSubjects.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl consistency --config DIR --indicator ID [--sample N]\n"
    "           [--store ODBC | --trail FILE]\n"
    "Compares, for the subjects most recently asked about, the value of indicator ID in its\n"
    "authoritative field with every other field that carries it (一数一源), each read straight\n"
    "from its source as DIR configures it, and prints the report as one JSON document: per field\n"
    "the subjects compared, agreed, disagreed, missing and unavailable, and the disagreeing\n"
    "subjects masked to their last 4 characters (never a value).\n"
    "  --sample N      how many distinct subjects (1..1000, default 50)\n"
    "  --store ODBC    take them from this central audit record (default: DIR's audit.store)\n"
    "  --trail FILE    take them from this audit trail, rotated files included (default: DIR's\n"
    "                  audit.path when it has no audit.store)\n"
    "Exit status: 0 checked (disagreements included), 1 configuration, audit record or indicator\n"
    "problem, 2 usage error.\n";

constexpr std::array<std::string_view, 5> kOptions = {"config", "indicator", "sample", "store",
                                                      "trail"};

std::size_t sampleOf(const CtlArguments& arguments) {
  const auto text = arguments.option("sample");
  if (!text) return ConsistencyCheck::kDefaultSample;
  std::size_t used = 0;
  long long sample = 0;
  try {
    sample = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || sample < 1 ||
      sample > static_cast<long long>(ConsistencyCheck::kMaxSample)) {
    throw Error(ErrorCode::BadRequest, "--sample must be a whole number from 1 to 1000");
  }
  return static_cast<std::size_t>(sample);
}

int runConsistency(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const auto directory = arguments.option("config");
  if (!directory) throw Error(ErrorCode::BadRequest, "--config DIR is required");
  const auto indicator = arguments.option("indicator");
  if (!indicator) throw Error(ErrorCode::BadRequest, "--indicator ID is required");
  if (arguments.option("store") && arguments.option("trail")) {
    throw Error(ErrorCode::BadRequest, "--store and --trail exclude each other");
  }
  const auto sample = sampleOf(arguments);
  auto config = loadConfigurationReporting(*directory, err);
  if (!config) return kCtlExitFailed;
  ConsistencyCheck::Fields fields;
  try {
    fields = ConsistencyCheck::fieldsOf(config->mappings, *indicator);
  } catch (const Error& e) {
    err << "oncegatectl consistency: " << e.message() << "\n";
    return kCtlExitFailed;
  }
  const auto subjectType = config->mappings.subjectOf(*fields.authoritative).id();
  const auto store = arguments.option("store").value_or(
      arguments.option("trail") ? std::string() : config->gateway.audit.store);
  std::vector<std::string> subjects;
  if (!store.empty()) {
    odbc::OdbcClient client(store, "audit store");
    subjects = RecentSubjects::fromStore(client, subjectType, sample);
  } else {
    const auto trail = arguments.option("trail").value_or(config->gateway.audit.path.string());
    subjects = RecentSubjects::fromTrail(trail, subjectType, sample);
  }
  // The document goes to stdout alone: what the sources and the check log goes to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("oncegatectl"));
  SourceSet sources;
  for (const auto& source : config->sources) {
    sources.add(SourceSet::open(source));
  }
  const GatewaySnapshot snapshot(std::move(*config), std::move(sources));
  const auto report = ConsistencyCheck::run(snapshot, *indicator, subjects);
  std::string text;
  JsonWriter json(text);
  json.beginObject();
  ConsistencyCheck::writeMembers(report, json);
  json.endObject();
  out << text << "\n";
  out.flush();
  return kCtlExitOk;
}

}  // namespace

CtlCommand consistencyCommand() {
  return CtlCommand{"consistency",
                    "compare an indicator's sources with its authoritative one (一数一源)",
                    kUsage,
                    {kOptions.begin(), kOptions.end()},
                    0,
                    runConsistency};
}

}  // namespace oncegate
