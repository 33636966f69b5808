#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/auditstore/AuditSubjectHashes.h"
#include "gateway/auditstore/SubjectIndexKey.h"
#include "mappings/MappingCatalog.h"
#include "mappings/MappingDocuments.h"

namespace oncegate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr std::string_view kHashKey = "a-hash-key-of-at-least-thirty-two-chars";

MappingCatalog catalog() {
  MappingDocuments documents;
  const auto subjects = ConfigNode::parse(
      "- { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }\n"
      "- { id: company, key: uscc, pattern: \"^[0-9A-Z]{18}$\" }\n"
      "- { id: household, key: number, pattern: \"^H[0-9]+$\" }\n",
      "subjects.yaml");
  for (const auto& item : subjects.items()) documents.addSubject(item);
  return MappingCatalog::build(std::move(documents), {});
}

std::string errorOf(std::string_view id, std::optional<std::string> type) {
  try {
    auditSubjectHashes(catalog(), kHashKey, id, type);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  return "no error";
}

TEST(AuditSubjectHashesTest, HashesForEverySubjectTypeWhosePatternMatches) {
  EXPECT_THAT(auditSubjectHashes(catalog(), kHashKey, "H42", std::nullopt),
              ElementsAre(subjectIndexHash(kHashKey, "household", "H42")));
  // Eighteen digits are an ID card number and a company code alike: both are searched.
  EXPECT_THAT(auditSubjectHashes(catalog(), kHashKey, "330102196001010011", std::nullopt),
              UnorderedElementsAre(subjectIndexHash(kHashKey, "person", "330102196001010011"),
                                   subjectIndexHash(kHashKey, "company", "330102196001010011")));
}

TEST(AuditSubjectHashesTest, AGivenTypeIsTheOnlyOneSearched) {
  EXPECT_THAT(auditSubjectHashes(catalog(), kHashKey, "330102196001010011", "person"),
              ElementsAre(subjectIndexHash(kHashKey, "person", "330102196001010011")));
}

TEST(AuditSubjectHashesTest, AnUnknownTypeOrAnIdNoPatternMatchesIsABadRequest) {
  EXPECT_THAT(errorOf("1", "pet"), HasSubstr("unknown subject_type 'pet'"));
  const auto message = errorOf("not-an-id-7731", std::nullopt);
  EXPECT_THAT(message, HasSubstr("matches the pattern of no subject type"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("7731")));
}

}  // namespace
}  // namespace oncegate
