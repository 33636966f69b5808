#include "gateway/admin/FieldColumnCheck.h"

#include <algorithm>
#include <map>
#include <optional>

#include "common/AsciiCase.h"
#include "connectors/Source.h"
#include "gateway/config/Configuration.h"
#include "gateway/runtime/SourceSet.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"

namespace oncegate {

namespace {

// The column names the dataset's query returns, or nullopt when its source cannot tell.
std::optional<std::vector<std::string>> columnsOf(const Configuration& config,
                                                  const SourceSet& sources,
                                                  const Dataset& dataset) {
  Source* source = sources.find(dataset.source());
  const SourceConfig* sourceConfig = config.source(dataset.source());
  if (source == nullptr || sourceConfig == nullptr) return std::nullopt;
  SourceQuery query{dataset.sql(), std::vector<Value>(dataset.params().size(), Value::null())};
  query.describeOnly = true;
  auto result =
      source->executeAndWait(std::move(query), Source::Clock::now() + sourceConfig->timeout);
  if (result.error || result.columns.empty()) return std::nullopt;
  return std::move(result.columns);
}

}  // namespace

FieldColumnCheck::Outcome FieldColumnCheck::run(const Configuration& config,
                                                const SourceSet& sources,
                                                const std::vector<const Field*>& fields) {
  Outcome out;
  std::map<std::string, std::optional<std::vector<std::string>>> asked;  // by dataset id
  for (const Field* field : fields) {
    const Dataset* dataset = config.mappings.dataset(field->dataset());
    if (dataset == nullptr) continue;  // the loader has already said so
    auto found = asked.find(dataset->id());
    if (found == asked.end()) {
      found = asked.emplace(dataset->id(), columnsOf(config, sources, *dataset)).first;
      if (!found->second) out.unchecked.push_back(dataset->id());
    }
    if (!found->second) continue;
    const auto& columns = *found->second;
    const bool present = std::any_of(columns.begin(), columns.end(), [&](const std::string& name) {
      return equalsIgnoringAsciiCase(name, field->column());
    });
    if (present) continue;
    std::string listed;
    for (const auto& name : columns) listed += (listed.empty() ? "" : ", ") + name;
    out.problems.push_back(field->location() + ": field '" + field->id() +
                           "': the query of dataset '" + dataset->id() + "' returns no column '" +
                           field->column() + "' (it returns: " + listed + ")");
  }
  return out;
}

}  // namespace oncegate
