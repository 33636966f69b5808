// oncegatectl test-source: asks one department database a trivial query through the same
// connector the gateway uses, so a DBA sees the driver's own complaint (without the secrets).

#include <chrono>
#include <cstdio>
#include <memory>

#include "common/Error.h"
#include "connectors/SourceProbe.h"
#include "gateway/cli/CtlCommand.h"
#include "gateway/runtime/SourceSet.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl test-source DIR SOURCE_ID\n"
    "Loads the configuration in DIR, connects to source SOURCE_ID through its ODBC connection\n"
    "string and runs SELECT 1 twice: prints the time with connecting and the time of a query on\n"
    "the open connection, or the error with its SQLSTATE and the driver's text. Passwords in the\n"
    "connection string are shown as ***.\n"
    "Exit status: 0 reachable, 1 invalid configuration, unknown or unreachable source, 2 usage.\n";

std::string milliseconds(std::chrono::duration<double, std::milli> elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", elapsed.count());
  return text;
}

int runTestSource(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const auto config = loadConfigurationReporting(arguments.positionals().at(0), err);
  if (!config) return kCtlExitFailed;
  const std::string& id = arguments.positionals().at(1);
  const SourceConfig* found = config->source(id);
  if (found == nullptr) {
    std::string known;
    for (const auto& source : config->sources) known += (known.empty() ? "" : ", ") + source.id;
    err << "unknown source '" << id << "' (configured: " << (known.empty() ? "none" : known)
        << ")\n";
    return kCtlExitFailed;
  }
  const auto probed =
      SourceProbe::run(*found, [](const SourceConfig& single) { return SourceSet::open(single); });
  out << "source:     " << probed.source << "\n"
      << "connection: " << probed.connection << "\n";
  if (!probed.ok) {
    const auto& error = *probed.error;
    err << "FAILED: " << error.message() << "\n";
    if (!error.sqlstate().empty()) err << "sqlstate: " << error.sqlstate() << "\n";
    if (!error.detail().empty()) err << "driver:   " << error.detail() << "\n";
    return kCtlExitFailed;
  }
  out << "OK: " << SourceProbe::kSql << " answered in " << milliseconds(probed.withConnect)
      << " with connecting, " << milliseconds(probed.onOpenConnection)
      << " on the open connection\n";
  return kCtlExitOk;
}

}  // namespace

CtlCommand testSourceCommand() {
  return CtlCommand{"test-source", "connect to a source and time a trivial query", kUsage, {}, 2,
                    runTestSource};
}

}  // namespace oncegate
