#include "gateway/auditstore/AuditSubjectHashes.h"

#include "common/Error.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "mappings/MappingCatalog.h"

namespace oncegate {

std::vector<std::string> auditSubjectHashes(const MappingCatalog& mappings,
                                            std::string_view hashKey, std::string_view typedId,
                                            const std::optional<std::string>& subjectType) {
  std::vector<std::string> hashes;
  if (subjectType) {
    const SubjectType* type = mappings.subject(*subjectType);
    if (type == nullptr) {
      throw Error(ErrorCode::BadRequest, "unknown subject_type '" + *subjectType + "'");
    }
    // A subject recorded before a pattern changed is still found by its type: no pattern check.
    hashes.push_back(subjectIndexHash(hashKey, type->id(), typedId));
    return hashes;
  }
  for (const auto& type : mappings.subjects()) {
    if (type.accepts(typedId)) hashes.push_back(subjectIndexHash(hashKey, type.id(), typedId));
  }
  if (hashes.empty()) {
    throw Error(ErrorCode::BadRequest,
                "the subject matches the pattern of no subject type; give subject_type to search "
                "for it as one");
  }
  return hashes;
}

}  // namespace oncegate
