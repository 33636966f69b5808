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
  // Never the expanded string: a reference may name a secret the caller must not see.
  result.connection = redactConnectionString(config.odbcAsWritten);
  try {
    const auto source = open(single);
    const auto started = Source::Clock::now();
    auto first = ask(*source, single.timeout);
    const auto connected = Source::Clock::now();
    result.withConnect = connected - started;
    if (first.error) {
      result.error = blankSecrets(*first.error, config);
      return result;
    }
    auto second = ask(*source, single.timeout);
    result.onOpenConnection = Source::Clock::now() - connected;
    if (second.error) {
      result.error = blankSecrets(*second.error, config);
      return result;
    }
    result.ok = true;
  } catch (const Error& error) {
    result.error = blankSecrets(error, config);
  }
  return result;
}

}  // namespace oncegate
