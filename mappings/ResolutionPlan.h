#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mappings/Dataset.h"
#include "mappings/Field.h"

namespace oncegate {

// Where the value of one `?` of a dataset's SQL comes from, for one plan.
struct ParamBinding {
  const Field* field = nullptr;  // nullptr: the subject key value
  // When `field` is set: the index in ResolutionPlan::datasets of the plan whose row yields it
  // (bind field->valueFrom(thatRow); no row or NULL there means no row here either).
  std::size_t upstream = 0;
};

// One query to run for a request: its dataset, the requested fields it answers and what its
// parameters are bound to.
struct DatasetPlan {
  const Dataset* dataset = nullptr;
  // Requested fields this dataset answers, in request order; empty for a dataset pulled in only
  // because a chained dataset needs a key from it.
  std::vector<const Field*> fields;
  // Indexes (ascending) of earlier plans whose fields feed this dataset's params.
  std::vector<std::size_t> upstream;
  int stage = 0;  // 0 = only subject params; a plan's upstream plans all have lower stages
  std::vector<ParamBinding> bindings;  // one per dataset->params() entry
};

// Which queries answer a request for some fields about one subject, in dependency order.
struct ResolutionPlan {
  std::vector<DatasetPlan> datasets;       // ordered by stage; each dataset once
  std::vector<std::string> unknownFields;  // requested ids not in the catalog for this subject
};

}  // namespace oncegate
