#include "gateway/runtime/SourceSet.h"

#include <algorithm>

#include "connectors/odbc/OdbcSource.h"
#include "connectors/postgresql/PostgresSource.h"

namespace oncegate {

namespace {

// Every setting the live source was opened with; only `location` (where it is written) is left
// out. A setting missing here would keep the old object, and the change would never take effect.
bool sameSource(const SourceConfig& a, const SourceConfig& b) {
  return a.id == b.id && a.department == b.department && a.driver == b.driver && a.odbc == b.odbc &&
         a.pool == b.pool && a.timeout == b.timeout && a.retry == b.retry &&
         a.breakerFailures == b.breakerFailures && a.breakerOpenFor == b.breakerOpenFor &&
         a.maxValueBytes == b.maxValueBytes;
}

}  // namespace

std::shared_ptr<Source> SourceSet::open(const SourceConfig& config,
                                        std::shared_ptr<PostgresLoops> postgresLoops) {
  if (config.driver == SourceConfig::Driver::Postgresql) {
    return makePostgresSource(config, std::move(postgresLoops));
  }
  return makeOdbcSource(config);
}

SourceSet SourceSet::reusing(const std::vector<SourceConfig>& wanted,
                             const std::vector<SourceConfig>& before, const SourceSet& live,
                             const Factory& open) {
  SourceSet sources;
  for (const auto& source : wanted) {
    const auto same = std::find_if(before.begin(), before.end(),
                                   [&](const auto& old) { return sameSource(old, source); });
    const auto found = live.all().find(source.id);
    if (same != before.end() && found != live.all().end()) {
      sources.add(found->second);
    } else {
      sources.add(open(source));
    }
  }
  return sources;
}

}  // namespace oncegate
