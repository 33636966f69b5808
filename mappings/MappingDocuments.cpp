#include "mappings/MappingDocuments.h"

namespace oncegate {

void MappingDocuments::addSubjects(const ConfigNode& list) {
  for (const auto& item : list.items()) addSubject(item);
}

void MappingDocuments::addDatasets(const ConfigNode& list) {
  for (const auto& item : list.items()) addDataset(item);
}

void MappingDocuments::addFields(const ConfigNode& list) {
  for (const auto& item : list.items()) addField(item);
}

void MappingDocuments::addForms(const ConfigNode& list) {
  for (const auto& item : list.items()) addForm(item);
}

void MappingDocuments::addSubject(const ConfigNode& item) {
  subjects_.push_back(SubjectType::parse(item));
}

void MappingDocuments::addDataset(const ConfigNode& item, SqlDialect dialect) {
  datasets_.push_back(Dataset::parse(item, dialect));
}

void MappingDocuments::addField(const ConfigNode& item) { fields_.push_back(Field::parse(item)); }

void MappingDocuments::addForm(const ConfigNode& item) { forms_.push_back(Form::parse(item)); }

}  // namespace oncegate
