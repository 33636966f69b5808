#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connectors/Source.h"
#include "connectors/SourceConfig.h"

namespace oncegate {

class PostgresLoops;

// The live sources of a configuration, by id. Built by the composition root.
class SourceSet {
 public:
  // Opens a live source for a new or changed source configuration (the composition root names
  // the concrete type).
  using Factory = std::function<std::shared_ptr<Source>(const SourceConfig&)>;

  // The live sources for `wanted`: a source configured exactly as in `before` keeps its object
  // from `live` (its pool, breaker and counters); a new or changed one is opened by `open`.
  static SourceSet reusing(const std::vector<SourceConfig>& wanted,
                           const std::vector<SourceConfig>& before, const SourceSet& live,
                           const Factory& open);

  // A live source of the kind its connection names: OdbcSource for `odbc:`, PostgresSource for
  // `postgresql:` (on `postgresLoops`; null: on a loop thread of its own, as tools run it).
  static std::shared_ptr<Source> open(const SourceConfig& config,
                                      std::shared_ptr<PostgresLoops> postgresLoops = nullptr);

  void add(std::shared_ptr<Source> source) {
    auto id = source->id();
    sources_.emplace(std::move(id), std::move(source));
  }
  Source* find(std::string_view id) const {
    auto it = sources_.find(std::string(id));
    return it == sources_.end() ? nullptr : it->second.get();
  }
  const std::unordered_map<std::string, std::shared_ptr<Source>>& all() const { return sources_; }

 private:
  std::unordered_map<std::string, std::shared_ptr<Source>> sources_;
};

}  // namespace oncegate
