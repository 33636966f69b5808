#pragma once

#include <vector>

#include "common/ConfigNode.h"
#include "common/SqlDialect.h"
#include "mappings/Dataset.h"
#include "mappings/Field.h"
#include "mappings/Form.h"
#include "mappings/SubjectType.h"

namespace oncegate {

// Collects the mapping lists of any number of configuration documents (the top-level keys
// `subjects`, `datasets`, `fields` and `forms` of each file) before MappingCatalog::build
// checks how they refer to each other. Each item is parsed and validated on the way in.
class MappingDocuments {
 public:
  void addSubjects(const ConfigNode& list);
  void addDatasets(const ConfigNode& list);
  void addFields(const ConfigNode& list);
  void addForms(const ConfigNode& list);
  // One item at a time (a configuration document, an admin body).
  void addSubject(const ConfigNode& item);
  // `dialect`: the SQL dialect of the dataset's source (see Dataset::parse).
  void addDataset(const ConfigNode& item, SqlDialect dialect = SqlDialect::Standard);
  void addField(const ConfigNode& item);
  void addForm(const ConfigNode& item);

  const std::vector<SubjectType>& subjects() const { return subjects_; }
  const std::vector<Dataset>& datasets() const { return datasets_; }
  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<Form>& forms() const { return forms_; }

 private:
  friend class MappingCatalog;

  std::vector<SubjectType> subjects_;
  std::vector<Dataset> datasets_;
  std::vector<Field> fields_;
  std::vector<Form> forms_;
};

}  // namespace oncegate
