#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"
#include "common/Row.h"
#include "common/Value.h"

namespace oncegate {

class Dataset;
struct GatewaySnapshot;

// Runs one dataset for one subject straight against its source, after the datasets it chains
// from, never through the cache: what a DBA checks when declaring or changing a dataset. Each
// step shows the SQL as prepared, what every parameter is bound to, and the row. Blocks (up to
// each source's timeout per step): run it off the I/O threads.
class DatasetDryRun {
 public:
  struct Param {
    std::string name;  // the `:name` of the query
    std::string from;  // "subject.<key>" or "field.<id>"
    Value value;       // for the caller who asked; never logged
  };

  struct Step {
    enum class Outcome { Found, NotFound, Skipped, Failed };

    const Dataset* dataset = nullptr;
    std::vector<Param> params;
    Outcome outcome = Outcome::Skipped;
    std::optional<Row> row;      // when Found
    std::optional<Error> error;  // when Failed (the driver's text in its detail)
    std::string skippedBecause;  // when Skipped: the upstream dataset gave no key
    std::chrono::duration<double, std::milli> elapsed{0};
  };

  // Every step in the order run, the asked dataset last. Throws NotFound for an unknown dataset.
  static std::vector<Step> run(const GatewaySnapshot& snapshot, const std::string& datasetId,
                               const Value& subjectKey);

  static std::string_view outcomeName(Step::Outcome outcome);
};

}  // namespace oncegate
