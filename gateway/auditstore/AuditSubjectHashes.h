#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate {

class MappingCatalog;

// What an auditor's "subject" filter searches for: the ID number as typed, hashed as the store
// indexes it (subjectIndexHash) for every subject type whose pattern it matches (an ID card
// number and a company code rarely match the same pattern, and if they do both are searched),
// or for `subjectType` alone when given. Error(BadRequest) when the subject type is unknown or
// the ID matches no pattern; its message never repeats the ID (it identifies a person).
std::vector<std::string> auditSubjectHashes(const MappingCatalog& mappings,
                                            std::string_view hashKey, std::string_view typedId,
                                            const std::optional<std::string>& subjectType);

}  // namespace oncegate
