#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/Value.h"
#include "gateway/service/DatasetOutcome.h"
#include "mappings/ResolutionPlan.h"

namespace oncegate {

class DatasetCache;
class GatewayStats;
class InflightQueries;
class MappingCatalog;
class SourceSet;

// Runs a resolution plan for one subject: one cache round trip per stage for every dataset of the
// stage, one source query per missed dataset (datasets on different sources in parallel, chained
// datasets after the datasets that yield their keys), and concurrent misses for the same dataset
// and key share one query. Never blocks: call run() on an I/O thread; `done` runs on that thread.
// The loops must outlive the executor; sources may answer after it is gone (their answers are
// then dropped).
class PlanExecutor {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(std::vector<DatasetOutcome>)>;

  // `stats` (null: not counted) receives cache hits and misses per tier and dataset, and joins.
  PlanExecutor(DatasetCache& cache, std::string hashKey, GatewayStats* stats = nullptr);
  ~PlanExecutor();
  PlanExecutor(const PlanExecutor&) = delete;
  PlanExecutor& operator=(const PlanExecutor&) = delete;

  // `catalog`, `sources` and `plan` must stay alive until `done` has run (the caller holds the
  // configuration snapshot they belong to). The plan's bindings already resolve every reference,
  // so `catalog` is not read; it only names what the plan points into.
  void run(const MappingCatalog& catalog, const SourceSet& sources, const ResolutionPlan& plan,
           Value subjectKey, Clock::time_point deadline, Done done);

 private:
  class Run;
  class CompletionGate;
  DatasetCache& cache_;
  std::string hashKey_;
  GatewayStats* stats_;
  std::shared_ptr<InflightQueries> inflight_;
  std::shared_ptr<CompletionGate> gate_;
};

}  // namespace oncegate
