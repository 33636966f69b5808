#include "gateway/runtime/DatasetDryRun.h"

#include <utility>

#include "connectors/Source.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/ResolutionPlan.h"

namespace oncegate {

namespace {

// Binds a step's parameters from the subject key and the rows of earlier steps; returns why it
// cannot run when an upstream step has no usable key.
std::optional<std::string> bindParams(const DatasetPlan& plan,
                                      const std::vector<DatasetDryRun::Step>& done,
                                      const Value& subjectKey, DatasetDryRun::Step& step) {
  const auto& declared = plan.dataset->params();
  for (std::size_t i = 0; i < plan.bindings.size(); ++i) {
    const auto& binding = plan.bindings[i];
    DatasetDryRun::Param param;
    param.name = declared.at(i).name;
    if (binding.field == nullptr) {
      param.from = "subject." + declared.at(i).ref;
      param.value = subjectKey;
    } else {
      param.from = "field." + binding.field->id();
      const auto& upstream = done.at(binding.upstream);
      if (!upstream.row) {
        return "dataset '" + upstream.dataset->id() + "' gave no row, so field '" +
               binding.field->id() + "' has no value to bind";
      }
      try {
        param.value = binding.field->valueFrom(*upstream.row);
      } catch (const Error& e) {
        return "field '" + binding.field->id() + "': " + e.message();
      }
      if (param.value.isNull()) return "field '" + binding.field->id() + "' is NULL";
    }
    step.params.push_back(std::move(param));
  }
  return std::nullopt;
}

}  // namespace

std::vector<DatasetDryRun::Step> DatasetDryRun::run(const GatewaySnapshot& snapshot,
                                                    const std::string& datasetId,
                                                    const Value& subjectKey) {
  const auto plan = snapshot.planner.planDataset(datasetId);
  if (plan.datasets.empty()) {
    throw Error(ErrorCode::NotFound, "no datasets with id '" + datasetId + "'");
  }
  std::vector<Step> steps;
  steps.reserve(plan.datasets.size());
  for (const auto& planned : plan.datasets) {
    Step step;
    step.dataset = planned.dataset;
    if (auto why = bindParams(planned, steps, subjectKey, step)) {
      step.skippedBecause = std::move(*why);
      steps.push_back(std::move(step));
      continue;
    }
    const auto& dataset = *planned.dataset;
    Source* source = snapshot.sources.find(dataset.source());
    const SourceConfig* sourceConfig = snapshot.config.source(dataset.source());
    if (source == nullptr || sourceConfig == nullptr) {
      step.outcome = Step::Outcome::Failed;
      step.error = Error(ErrorCode::SourceUnavailable,
                         "source '" + dataset.source() + "' is not configured");
      steps.push_back(std::move(step));
      continue;
    }
    std::vector<Value> params;
    for (const auto& param : step.params) params.push_back(param.value);
    const auto started = Source::Clock::now();
    // The source's own query timeout: the dry run waits as long as a request would.
    auto outcome = source->executeAndWait(SourceQuery{dataset.sql(), std::move(params)},
                                          Source::Clock::now() + sourceConfig->timeout);
    step.elapsed = Source::Clock::now() - started;
    if (outcome.error) {
      // The DBA sees the driver's words, never a password of the connection string.
      step.outcome = Step::Outcome::Failed;
      step.error = blankSecrets(*outcome.error, *sourceConfig);
    } else if (outcome.row) {
      step.outcome = Step::Outcome::Found;
      step.row = std::move(outcome.row);
    } else {
      step.outcome = Step::Outcome::NotFound;
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

std::string_view DatasetDryRun::outcomeName(Step::Outcome outcome) {
  switch (outcome) {
    case Step::Outcome::Found:
      return "found";
    case Step::Outcome::NotFound:
      return "not_found";
    case Step::Outcome::Skipped:
      return "skipped";
    case Step::Outcome::Failed:
      return "failed";
  }
  return "failed";
}

}  // namespace oncegate
