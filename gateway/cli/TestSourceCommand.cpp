// oncegatectl test-source: asks one department database a trivial query through the same
// connector the gateway uses, so a DBA sees the driver's own complaint (without the secrets).

#include <cctype>
#include <chrono>
#include <cstdio>
#include <future>

#include "common/Error.h"
#include "connectors/odbc/OdbcSource.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl test-source DIR SOURCE_ID\n"
    "Loads the configuration in DIR, connects to source SOURCE_ID through its ODBC connection\n"
    "string and runs SELECT 1 twice: prints the time with connecting and the time of a query on\n"
    "the open connection, or the error with its SQLSTATE and the driver's text. Passwords in the\n"
    "connection string are shown as ***.\n"
    "Exit status: 0 reachable, 1 invalid configuration, unknown or unreachable source, 2 usage.\n";

constexpr std::string_view kProbeSql = "SELECT 1";

// The PWD= / Password= values of a connection string, to blank them should a driver repeat
// them in its error text (redactConnectionString already blanks them in the string itself).
std::vector<std::string> secretValues(std::string_view connection) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < connection.size()) {
    const auto equals = connection.find('=', i);
    if (equals == std::string_view::npos) break;
    std::string key(connection.substr(i, equals - i));
    std::erase_if(key, [](unsigned char c) { return std::isspace(c) != 0; });
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t start = equals + 1;
    std::string_view value;
    std::size_t next = std::string_view::npos;
    if (start < connection.size() && connection[start] == '{') {
      // A braced value may hold ';' (ODBC quoting).
      const auto close = connection.find('}', start);
      value = connection.substr(
          start + 1, close == std::string_view::npos ? std::string_view::npos : close - start - 1);
      if (close != std::string_view::npos) next = connection.find(';', close);
    } else {
      next = connection.find(';', start);
      value = connection.substr(
          start, next == std::string_view::npos ? std::string_view::npos : next - start);
    }
    if ((key == "pwd" || key == "password") && !value.empty()) out.emplace_back(value);
    if (next == std::string_view::npos) break;
    i = next + 1;
  }
  return out;
}

std::string blanked(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

QueryOutcome probe(Source& source, std::chrono::milliseconds timeout) {
  std::promise<QueryOutcome> answered;
  auto outcome = answered.get_future();
  source.execute(SourceQuery{std::string(kProbeSql), {}}, Source::Clock::now() + timeout,
                 [&answered](QueryOutcome result) { answered.set_value(std::move(result)); });
  // The source completes every query exactly once, within its login and query timeouts.
  return outcome.get();
}

std::string milliseconds(Source::Clock::duration elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms",
                std::chrono::duration<double, std::milli>(elapsed).count());
  return text;
}

void reportFailure(const Error& error, const SourceConfig& config, std::ostream& err) {
  const auto secrets = secretValues(config.odbc);
  err << "FAILED: " << blanked(error.message(), secrets) << "\n";
  if (!error.sqlstate().empty()) err << "sqlstate: " << error.sqlstate() << "\n";
  if (!error.detail().empty()) err << "driver:   " << blanked(error.detail(), secrets) << "\n";
}

int runTestSource(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  const auto config = loadConfigurationReporting(arguments.positionals().at(0), err);
  if (!config) return kCtlExitFailed;
  const std::string& id = arguments.positionals().at(1);
  const SourceConfig* found = nullptr;
  std::string known;
  for (const auto& source : config->sources) {
    if (source.id == id) found = &source;
    known += (known.empty() ? "" : ", ") + source.id;
  }
  if (found == nullptr) {
    err << "unknown source '" << id << "' (configured: " << (known.empty() ? "none" : known)
        << ")\n";
    return kCtlExitFailed;
  }
  SourceConfig single = *found;
  single.pool = 1;  // one connection is all a probe needs
  out << "source:     " << single.id << "\n"
      << "connection: " << redactConnectionString(single.odbc) << "\n";

  try {
    const auto source = makeOdbcSource(single);
    const auto started = Source::Clock::now();
    auto first = probe(*source, single.timeout);
    const auto connected = Source::Clock::now();
    if (first.error) {
      reportFailure(*first.error, single, err);
      return kCtlExitFailed;
    }
    auto second = probe(*source, single.timeout);
    const auto done = Source::Clock::now();
    if (second.error) {
      reportFailure(*second.error, single, err);
      return kCtlExitFailed;
    }
    out << "OK: " << kProbeSql << " answered in " << milliseconds(connected - started)
        << " with connecting, " << milliseconds(done - connected) << " on the open connection\n";
    return kCtlExitOk;
  } catch (const Error& error) {
    reportFailure(error, single, err);
    return kCtlExitFailed;
  }
}

}  // namespace

CtlCommand testSourceCommand() {
  return CtlCommand{"test-source", "connect to a source and time a trivial query", kUsage, {}, 2,
                    runTestSource};
}

}  // namespace oncegate
