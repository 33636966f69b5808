#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/Form.h"
#include "mappings/MappingDocuments.h"
#include "mappings/SubjectType.h"

namespace oncegate {

// The validated, immutable set of subject types, datasets, fields and forms, with O(1) lookup
// by id and every cross-reference resolved once at build time (for the planner's hot path).
// Move-only: its indexes point into its own storage.
class MappingCatalog {
 public:
  // Checks every reference: datasets on unknown sources or subject types, subject params that
  // are not the subject's key, chained params on unknown fields or on fields of another subject
  // type, cycles among chained datasets, fields on unknown datasets, duplicate ids, forms on
  // unknown subject types or fields. All problems are thrown together as one
  // Error(InvalidConfig) with one "file:line: problem" per line.
  static MappingCatalog build(MappingDocuments documents, const std::set<std::string>& sourceIds);

  MappingCatalog(MappingCatalog&&) noexcept = default;
  MappingCatalog& operator=(MappingCatalog&&) noexcept = default;
  MappingCatalog(const MappingCatalog&) = delete;
  MappingCatalog& operator=(const MappingCatalog&) = delete;
  ~MappingCatalog() = default;

  // nullptr when unknown.
  const SubjectType* subject(std::string_view id) const;
  const Dataset* dataset(std::string_view id) const;
  const Field* field(std::string_view id) const;
  const Form* form(std::string_view id) const;

  // Everything, in configuration order (for the catalog endpoint and exports).
  const std::vector<SubjectType>& subjects() const { return subjects_; }
  const std::vector<Dataset>& datasets() const { return datasets_; }
  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<Form>& forms() const { return forms_; }

  // Resolved references of catalog members (arguments must belong to this catalog).
  const Dataset& datasetOf(const Field& field) const;
  const SubjectType& subjectOf(const Dataset& dataset) const;
  const SubjectType& subjectOf(const Field& field) const;
  // For each param of `dataset`, in order: the field whose value binds it, or nullptr for the
  // subject key.
  const std::vector<const Field*>& paramFields(const Dataset& dataset) const;
  // 0 when the dataset needs only the subject key; otherwise 1 + the deepest upstream stage.
  int stageOf(const Dataset& dataset) const;

 private:
  friend class Planner;

  // Heterogeneous lookup: request field ids arrive as string_views, and must not be copied.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  using IdIndex = std::unordered_map<std::string, std::size_t, IdHash, std::equal_to<>>;

  MappingCatalog() = default;
  std::size_t indexOf(const Dataset& dataset) const;
  std::size_t indexOf(const Field& field) const;

  std::vector<SubjectType> subjects_;
  std::vector<Dataset> datasets_;
  std::vector<Field> fields_;
  std::vector<Form> forms_;
  IdIndex subjectIndex_;
  IdIndex datasetIndex_;
  IdIndex fieldIndex_;
  IdIndex formIndex_;
  std::vector<std::size_t> fieldDataset_;    // per field: index of its dataset
  std::vector<std::size_t> datasetSubject_;  // per dataset: index of its subject type
  std::vector<int> datasetStage_;            // per dataset: see stageOf
  std::vector<std::vector<const Field*>> datasetParamFields_;  // per dataset: see paramFields
  // Per dataset: indexes of the datasets its chained params read from (distinct).
  std::vector<std::vector<std::size_t>> datasetUpstream_;
};

}  // namespace oncegate
