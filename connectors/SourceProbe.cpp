#include "connectors/SourceProbe.h"

#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

QueryOutcome ask(Source& source, std::chrono::milliseconds timeout) {
  return source.executeAndWait(SourceQuery{std::string(SourceProbe::kSql), {}},
                               Source::Clock::now() + timeout);
}

}  // namespace

SourceProbe::Result SourceProbe::run(const SourceConfig& config, const Open& open) {
  SourceConfig single = config;
  single.pool = 1;  // one connection is all a probe needs
  Result result;
  result.source = config.id;
  result.connection = redactConnectionString(config.odbc);
  try {
    const auto source = open(single);
    const auto started = Source::Clock::now();
    auto first = ask(*source, single.timeout);
    const auto connected = Source::Clock::now();
    result.withConnect = connected - started;
    if (first.error) {
      result.error = blankSecrets(*first.error, config.odbc);
      return result;
    }
    auto second = ask(*source, single.timeout);
    result.onOpenConnection = Source::Clock::now() - connected;
    if (second.error) {
      result.error = blankSecrets(*second.error, config.odbc);
      return result;
    }
    result.ok = true;
  } catch (const Error& error) {
    result.error = blankSecrets(error, config.odbc);
  }
  return result;
}

}  // namespace oncegate
