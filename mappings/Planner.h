#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/MappingCatalog.h"
#include "mappings/ResolutionPlan.h"

namespace oncegate {

// Turns requested field ids into the fewest queries that answer them: one DatasetPlan per
// dataset however many of its fields are asked, plus the upstream datasets that chained ones
// need. Pure: no I/O, no policy. The catalog must outlive the planner and its plans.
class Planner {
 public:
  explicit Planner(const MappingCatalog& catalog) : catalog_(catalog) {}

  // Fields unknown to the catalog, or about another subject type, go to unknownFields (each
  // once). Requested duplicates are planned once. An unknown subject type makes every field
  // unknown.
  ResolutionPlan plan(std::string_view subjectType, const std::vector<std::string>& fieldIds) const;
  // The same for fields already taken from this planner's catalog (MappingCatalog::field) and
  // checked to be about one subject type, as a request's are once decided: nothing is looked up
  // by id again.
  ResolutionPlan plan(const std::vector<const Field*>& fields) const;

  // The plan that runs one dataset (every field it answers) and the datasets it chains from, as
  // a dry run needs; empty when the catalog has no such dataset.
  ResolutionPlan planDataset(std::string_view datasetId) const;

 private:
  // The plan slot of dataset `d` (the catalog's index), added on first use.
  DatasetPlan& addDataset(ResolutionPlan& out, std::vector<std::uint32_t>& slot,
                          std::size_t d) const;
  // Plans `field` (the catalog's own) in its dataset's slot, once.
  void addField(ResolutionPlan& out, std::vector<std::uint32_t>& slot, const Field& field) const;
  // Adds the datasets that planned ones chain from, orders them by stage and binds every param.
  void complete(ResolutionPlan& out, std::vector<std::uint32_t>& slot) const;

  const MappingCatalog& catalog_;
};

}  // namespace oncegate
