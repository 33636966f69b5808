#include <gtest/gtest.h>

#include "common/Digest.h"
#include "gateway/auditstore/SubjectIndexKey.h"

namespace oncegate {
namespace {

constexpr std::string_view kHashKey = "a-hash-key-of-at-least-thirty-two-chars";

TEST(SubjectIndexKeyTest, IsAnHmacUnderASubkeyOfTheHashKey) {
  const auto subkey = hmacSha256Hex(kHashKey, "oncegate audit subject index v1");
  EXPECT_EQ(subjectIndexHash(kHashKey, "person", "330102196001010011"),
            hmacSha256Hex(subkey, "person\n330102196001010011"));
}

TEST(SubjectIndexKeyTest, NeitherShowsTheIdNorMatchesAPlainOrCacheHash) {
  const auto hash = subjectIndexHash(kHashKey, "person", "330102196001010011");
  EXPECT_EQ(hash.size(), 64U);
  EXPECT_EQ(hash.find("330102"), std::string::npos);
  EXPECT_NE(hash, sha256Hex("330102196001010011"));
  EXPECT_NE(hash, hmacSha256Hex(kHashKey, "person\n330102196001010011"));
}

TEST(SubjectIndexKeyTest, TheTypeAndTheKeyBothCount) {
  const auto hash = subjectIndexHash(kHashKey, "person", "1");
  EXPECT_NE(hash, subjectIndexHash(kHashKey, "company", "1"));
  EXPECT_NE(hash, subjectIndexHash(kHashKey, "person", "2"));
  EXPECT_NE(hash, subjectIndexHash("another-hash-key-of-thirty-two-chars!", "person", "1"));
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(subjectIndexHash(kHashKey, "ab", "c"), subjectIndexHash(kHashKey, "a", "bc"));
}

}  // namespace
}  // namespace oncegate
