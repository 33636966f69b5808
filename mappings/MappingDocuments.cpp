#include "mappings/MappingDocuments.h"

namespace oncegate {

void MappingDocuments::addSubjects(const ConfigNode& list) {
  for (const auto& item : list.items()) subjects_.push_back(SubjectType::parse(item));
}

void MappingDocuments::addDatasets(const ConfigNode& list) {
  for (const auto& item : list.items()) datasets_.push_back(Dataset::parse(item));
}

void MappingDocuments::addFields(const ConfigNode& list) {
  for (const auto& item : list.items()) fields_.push_back(Field::parse(item));
}

void MappingDocuments::addForms(const ConfigNode& list) {
  for (const auto& item : list.items()) forms_.push_back(Form::parse(item));
}

}  // namespace oncegate
