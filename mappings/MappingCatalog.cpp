#include "mappings/MappingCatalog.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include "common/Error.h"

namespace oncegate {

namespace {

constexpr std::size_t kUnresolved = std::numeric_limits<std::size_t>::max();

class ProblemList {
 public:
  void add(const std::string& location, const std::string& problem) {
    lines_.push_back(location + ": " + problem);
  }
  void throwIfAny() const {
    if (lines_.empty()) return;
    std::string message;
    for (const auto& line : lines_) {
      if (!message.empty()) message.push_back('\n');
      message += line;
    }
    throw Error(ErrorCode::InvalidConfig, message);
  }

 private:
  std::vector<std::string> lines_;
};

template <typename T, typename Index>
void indexIds(const std::vector<T>& items, std::string_view what, Index& index,
              ProblemList& problems) {
  index.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto [it, inserted] = index.emplace(items[i].id(), i);
    if (!inserted) {
      problems.add(items[i].location(), "duplicate " + std::string(what) + " id '" + items[i].id() +
                                            "' (first defined at " + items[it->second].location() +
                                            ")");
    }
  }
}

template <typename Index>
std::size_t lookup(const Index& index, std::string_view id) {
  auto it = index.find(id);
  return it == index.end() ? kUnresolved : it->second;
}

}  // namespace

MappingCatalog MappingCatalog::build(MappingDocuments documents,
                                     const std::set<std::string>& sourceIds) {
  MappingCatalog catalog;
  catalog.subjects_ = std::move(documents.subjects_);
  catalog.datasets_ = std::move(documents.datasets_);
  catalog.fields_ = std::move(documents.fields_);
  catalog.forms_ = std::move(documents.forms_);
  ProblemList problems;

  indexIds(catalog.subjects_, "subject type", catalog.subjectIndex_, problems);
  indexIds(catalog.datasets_, "dataset", catalog.datasetIndex_, problems);
  indexIds(catalog.fields_, "field", catalog.fieldIndex_, problems);
  indexIds(catalog.forms_, "form", catalog.formIndex_, problems);

  // Fields first: dataset params refer to them.
  catalog.fieldDataset_.reserve(catalog.fields_.size());
  for (const auto& field : catalog.fields_) {
    const auto dataset = lookup(catalog.datasetIndex_, field.dataset());
    if (dataset == kUnresolved) {
      problems.add(field.location(), "field '" + field.id() + "' refers to unknown dataset '" +
                                         field.dataset() + "'");
    }
    catalog.fieldDataset_.push_back(dataset);
  }
  // 一数一源: one authoritative source per indicator.
  std::map<std::string_view, const Field*> authoritative;
  for (const auto& field : catalog.fields_) {
    const auto& indicator = field.indicator();
    if (!indicator || !indicator->authoritative) continue;
    const auto [first, inserted] = authoritative.emplace(indicator->id, &field);
    if (!inserted) {
      problems.add(field.location(), "field '" + field.id() + "' and field '" +
                                         first->second->id() + "' (" + first->second->location() +
                                         ") are both the authoritative source of indicator '" +
                                         indicator->id + "': one datum, one source");
    }
  }

  const auto datasetCount = catalog.datasets_.size();
  catalog.datasetSubject_.assign(datasetCount, kUnresolved);
  catalog.datasetParamFields_.assign(datasetCount, {});
  catalog.datasetUpstream_.assign(datasetCount, {});
  for (std::size_t d = 0; d < datasetCount; ++d) {
    const auto& dataset = catalog.datasets_[d];
    if (sourceIds.find(dataset.source()) == sourceIds.end()) {
      problems.add(dataset.location(), "dataset '" + dataset.id() + "' refers to unknown source '" +
                                           dataset.source() + "'");
    }
    const auto subject = lookup(catalog.subjectIndex_, dataset.subject());
    catalog.datasetSubject_[d] = subject;
    if (subject == kUnresolved) {
      problems.add(dataset.location(), "dataset '" + dataset.id() +
                                           "' refers to unknown subject type '" +
                                           dataset.subject() + "'");
    }
    for (const auto& param : dataset.params()) {
      if (param.kind == DatasetParam::Kind::SubjectKey) {
        catalog.datasetParamFields_[d].push_back(nullptr);
        if (subject != kUnresolved && param.ref != catalog.subjects_[subject].key()) {
          problems.add(param.location, "parameter '" + param.name + "' of dataset '" +
                                           dataset.id() + "' uses subject." + param.ref +
                                           ", but the key of subject type '" + dataset.subject() +
                                           "' is " + catalog.subjects_[subject].key());
        }
        continue;
      }
      const auto field = lookup(catalog.fieldIndex_, param.ref);
      if (field == kUnresolved) {
        catalog.datasetParamFields_[d].push_back(nullptr);
        problems.add(param.location, "parameter '" + param.name + "' of dataset '" + dataset.id() +
                                         "' refers to unknown field '" + param.ref + "'");
        continue;
      }
      catalog.datasetParamFields_[d].push_back(&catalog.fields_[field]);
      const auto upstream = catalog.fieldDataset_[field];
      if (upstream == kUnresolved) continue;
      const auto& upstreamSubject = catalog.datasets_[upstream].subject();
      if (upstreamSubject != dataset.subject()) {
        problems.add(param.location, "parameter '" + param.name + "' of dataset '" + dataset.id() +
                                         "' uses field '" + param.ref + "' of subject type '" +
                                         upstreamSubject + "', but the dataset is about '" +
                                         dataset.subject() + "'");
        continue;
      }
      auto& edges = catalog.datasetUpstream_[d];
      if (std::find(edges.begin(), edges.end(), upstream) == edges.end()) edges.push_back(upstream);
    }
  }

  // Stages by depth-first search; a dataset met again while still on the path closes a cycle.
  enum class Mark : std::uint8_t { Unvisited, OnPath, Done };
  std::vector<Mark> marks(datasetCount, Mark::Unvisited);
  catalog.datasetStage_.assign(datasetCount, 0);
  std::vector<std::size_t> path;
  const auto visit = [&](const auto& self, std::size_t d) -> void {
    marks[d] = Mark::OnPath;
    path.push_back(d);
    int stage = 0;
    for (const auto upstream : catalog.datasetUpstream_[d]) {
      if (marks[upstream] == Mark::OnPath) {
        std::string cycle;
        const auto start = std::find(path.begin(), path.end(), upstream);
        for (auto it = start; it != path.end(); ++it) cycle += catalog.datasets_[*it].id() + " -> ";
        cycle += catalog.datasets_[upstream].id();
        problems.add(catalog.datasets_[upstream].location(),
                     "chained datasets form a cycle: " + cycle);
        continue;
      }
      if (marks[upstream] == Mark::Unvisited) self(self, upstream);
      stage = std::max(stage, catalog.datasetStage_[upstream] + 1);
    }
    catalog.datasetStage_[d] = stage;
    path.pop_back();
    marks[d] = Mark::Done;
  };
  for (std::size_t d = 0; d < datasetCount; ++d) {
    if (marks[d] == Mark::Unvisited) visit(visit, d);
  }

  for (const auto& form : catalog.forms_) {
    const auto subject = lookup(catalog.subjectIndex_, form.subject());
    if (subject == kUnresolved) {
      problems.add(form.location(), "form '" + form.id() + "' refers to unknown subject type '" +
                                        form.subject() + "'");
    }
    std::vector<std::string_view> seen;
    for (const auto& entry : form.entries()) {
      if (std::find(seen.begin(), seen.end(), entry.field) != seen.end()) {
        problems.add(entry.location,
                     "form '" + form.id() + "' lists field '" + entry.field + "' twice");
      }
      seen.push_back(entry.field);
      if (entry.suppliedByApplicant) continue;
      const auto field = lookup(catalog.fieldIndex_, entry.field);
      if (field == kUnresolved) {
        problems.add(entry.location, "form '" + form.id() + "' refers to unknown field '" +
                                         entry.field +
                                         "' (mark it supplied_by: applicant if the applicant "
                                         "provides it)");
        continue;
      }
      const auto dataset = catalog.fieldDataset_[field];
      if (dataset == kUnresolved || subject == kUnresolved) continue;
      if (catalog.datasets_[dataset].subject() != form.subject()) {
        problems.add(entry.location, "form '" + form.id() + "' is about '" + form.subject() +
                                         "', but field '" + entry.field + "' is about '" +
                                         catalog.datasets_[dataset].subject() + "'");
      }
    }
  }

  problems.throwIfAny();
  return catalog;
}

const SubjectType* MappingCatalog::subject(std::string_view id) const {
  const auto i = lookup(subjectIndex_, id);
  return i == kUnresolved ? nullptr : &subjects_[i];
}

const Dataset* MappingCatalog::dataset(std::string_view id) const {
  const auto i = lookup(datasetIndex_, id);
  return i == kUnresolved ? nullptr : &datasets_[i];
}

const Field* MappingCatalog::field(std::string_view id) const {
  const auto i = lookup(fieldIndex_, id);
  return i == kUnresolved ? nullptr : &fields_[i];
}

const Form* MappingCatalog::form(std::string_view id) const {
  const auto i = lookup(formIndex_, id);
  return i == kUnresolved ? nullptr : &forms_[i];
}

std::size_t MappingCatalog::indexOf(const Dataset& dataset) const {
  return static_cast<std::size_t>(&dataset - datasets_.data());
}

std::size_t MappingCatalog::indexOf(const Field& field) const {
  return static_cast<std::size_t>(&field - fields_.data());
}

const Dataset& MappingCatalog::datasetOf(const Field& field) const {
  return datasets_[fieldDataset_[indexOf(field)]];
}

const SubjectType& MappingCatalog::subjectOf(const Dataset& dataset) const {
  return subjects_[datasetSubject_[indexOf(dataset)]];
}

const SubjectType& MappingCatalog::subjectOf(const Field& field) const {
  return subjectOf(datasetOf(field));
}

const std::vector<const Field*>& MappingCatalog::paramFields(const Dataset& dataset) const {
  return datasetParamFields_[indexOf(dataset)];
}

int MappingCatalog::stageOf(const Dataset& dataset) const {
  return datasetStage_[indexOf(dataset)];
}

}  // namespace oncegate
