#include "mappings/Planner.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace oncegate {

namespace {
constexpr std::uint32_t kNotPlanned = std::numeric_limits<std::uint32_t>::max();
}  // namespace

ResolutionPlan Planner::plan(std::string_view subjectType,
                             const std::vector<std::string>& fieldIds) const {
  ResolutionPlan out;
  const auto subjectIt = catalog_.subjectIndex_.find(subjectType);
  if (subjectIt == catalog_.subjectIndex_.end()) {
    for (const auto& id : fieldIds) {
      if (std::find(out.unknownFields.begin(), out.unknownFields.end(), id) ==
          out.unknownFields.end()) {
        out.unknownFields.push_back(id);
      }
    }
    return out;
  }
  const std::size_t subject = subjectIt->second;

  // Plan slot of each dataset of the catalog; one small array beats hashing per field.
  std::vector<std::uint32_t> slot(catalog_.datasets_.size(), kNotPlanned);
  for (const auto& id : fieldIds) {
    const auto fieldIt = catalog_.fieldIndex_.find(std::string_view(id));
    const std::size_t d = fieldIt == catalog_.fieldIndex_.end()
                              ? kNotPlanned
                              : catalog_.fieldDataset_[fieldIt->second];
    if (d == kNotPlanned || catalog_.datasetSubject_[d] != subject) {
      if (std::find(out.unknownFields.begin(), out.unknownFields.end(), id) ==
          out.unknownFields.end()) {
        out.unknownFields.push_back(id);
      }
      continue;
    }
    addField(out, slot, catalog_.fields_[fieldIt->second]);
  }

  complete(out, slot);
  return out;
}

ResolutionPlan Planner::plan(const std::vector<const Field*>& fields) const {
  ResolutionPlan out;
  std::vector<std::uint32_t> slot(catalog_.datasets_.size(), kNotPlanned);
  for (const Field* field : fields) addField(out, slot, *field);
  complete(out, slot);
  return out;
}

void Planner::addField(ResolutionPlan& out, std::vector<std::uint32_t>& slot,
                       const Field& field) const {
  auto& fields = addDataset(out, slot, catalog_.fieldDataset_[catalog_.indexOf(field)]).fields;
  if (std::find(fields.begin(), fields.end(), &field) == fields.end()) fields.push_back(&field);
}

ResolutionPlan Planner::planDataset(std::string_view datasetId) const {
  ResolutionPlan out;
  const auto found = catalog_.datasetIndex_.find(datasetId);
  if (found == catalog_.datasetIndex_.end()) return out;
  std::vector<std::uint32_t> slot(catalog_.datasets_.size(), kNotPlanned);
  auto& plan = addDataset(out, slot, found->second);
  for (std::size_t f = 0; f < catalog_.fields_.size(); ++f) {
    if (catalog_.fieldDataset_[f] == found->second) plan.fields.push_back(&catalog_.fields_[f]);
  }
  complete(out, slot);
  return out;
}

DatasetPlan& Planner::addDataset(ResolutionPlan& out, std::vector<std::uint32_t>& slot,
                                 std::size_t d) const {
  if (slot[d] == kNotPlanned) {
    slot[d] = static_cast<std::uint32_t>(out.datasets.size());
    DatasetPlan plan;
    plan.dataset = &catalog_.datasets_[d];
    plan.stage = catalog_.datasetStage_[d];
    out.datasets.push_back(std::move(plan));
  }
  return out.datasets[slot[d]];
}

void Planner::complete(ResolutionPlan& out, std::vector<std::uint32_t>& slot) const {
  // Pull in upstream datasets; the list grows while it is walked, so walk by index.
  for (std::size_t i = 0; i < out.datasets.size(); ++i) {
    const auto d = catalog_.indexOf(*out.datasets[i].dataset);
    for (const auto upstream : catalog_.datasetUpstream_[d]) addDataset(out, slot, upstream);
  }

  std::stable_sort(out.datasets.begin(), out.datasets.end(),
                   [](const DatasetPlan& a, const DatasetPlan& b) { return a.stage < b.stage; });
  for (std::size_t i = 0; i < out.datasets.size(); ++i) {
    slot[catalog_.indexOf(*out.datasets[i].dataset)] = static_cast<std::uint32_t>(i);
  }

  for (auto& plan : out.datasets) {
    const auto& paramFields = catalog_.paramFields(*plan.dataset);
    plan.bindings.reserve(paramFields.size());
    for (const Field* field : paramFields) {
      ParamBinding binding;
      if (field != nullptr) {
        binding.field = field;
        binding.upstream = slot[catalog_.fieldDataset_[catalog_.indexOf(*field)]];
        if (std::find(plan.upstream.begin(), plan.upstream.end(), binding.upstream) ==
            plan.upstream.end()) {
          plan.upstream.push_back(binding.upstream);
        }
      }
      plan.bindings.push_back(binding);
    }
    std::sort(plan.upstream.begin(), plan.upstream.end());
  }
}

}  // namespace oncegate
