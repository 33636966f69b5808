#include "connectors/SourceProbe.h"

#include <future>
#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

QueryOutcome askOnce(Source& source, std::chrono::milliseconds timeout) {
  std::promise<QueryOutcome> answered;
  auto outcome = answered.get_future();
  source.execute(SourceQuery{std::string(SourceProbe::kSql), {}}, Source::Clock::now() + timeout,
                 [&answered](QueryOutcome result) { answered.set_value(std::move(result)); });
  // A source completes every query exactly once, within its login and query timeouts.
  return outcome.get();
}

Error blanked(const Error& error, const SourceConfig& config) {
  return Error(error.code(), blankSecrets(error.message(), config.odbc),
               blankSecrets(error.detail(), config.odbc), error.sqlstate());
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
    auto first = askOnce(*source, single.timeout);
    const auto connected = Source::Clock::now();
    result.withConnect = connected - started;
    if (first.error) {
      result.error = blanked(*first.error, config);
      return result;
    }
    auto second = askOnce(*source, single.timeout);
    result.onOpenConnection = Source::Clock::now() - connected;
    if (second.error) {
      result.error = blanked(*second.error, config);
      return result;
    }
    result.ok = true;
  } catch (const Error& error) {
    result.error = blanked(error, config);
  }
  return result;
}

}  // namespace oncegate
