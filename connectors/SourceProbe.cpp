#include "connectors/SourceProbe.h"

#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

// What may be shown of an error: passwords blanked, and the expanded connection string a driver
// error quotes replaced by the one as written, so that no resolved ${...} value is repeated.
Error shown(const Error& error, const SourceConfig& config) {
  const auto blanked = shown(error, config);
  const auto expanded = redactConnectionString(config.odbc);
  const auto written = redactConnectionString(config.odbcAsWritten);
  const auto unexpand = [&](std::string text) {
    for (auto at = text.find(expanded); !expanded.empty() && at != std::string::npos;
         at = text.find(expanded, at + written.size())) {
      text.replace(at, expanded.size(), written);
    }
    return text;
  };
  return Error(blanked.code(), unexpand(blanked.message()), unexpand(blanked.detail()),
               blanked.sqlstate());
}

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
      result.error = shown(*first.error, config);
      return result;
    }
    auto second = ask(*source, single.timeout);
    result.onOpenConnection = Source::Clock::now() - connected;
    if (second.error) {
      result.error = shown(*second.error, config);
      return result;
    }
    result.ok = true;
  } catch (const Error& error) {
    result.error = shown(error, config);
  }
  return result;
}

}  // namespace oncegate
