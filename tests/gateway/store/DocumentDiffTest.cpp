#include <gtest/gtest.h>

#include "gateway/store/DocumentDiff.h"

namespace oncegate {
namespace {

using Keys = std::vector<std::string>;

TEST(DocumentDiffTest, NamesTheKeysAddedRemovedAndChanged) {
  const auto diff = DocumentDiff::between(
      R"({"id":"grant","allow":["person.*"],"deny":["person.health.*"],"valid_until":"2027-12-31"})",
      R"({"id":"grant","allow":["person.*","fund.*"],"mask":{"person.id_card":"show_last_4"},"valid_until":"2027-12-31"})");
  EXPECT_EQ(diff.added, Keys{"mask"});
  EXPECT_EQ(diff.removed, Keys{"deny"});
  EXPECT_EQ(diff.changed, Keys{"allow"});
}

TEST(DocumentDiffTest, SpacingAndKeyOrderAreNotChanges) {
  EXPECT_EQ(
      DocumentDiff::between(R"({"a":1,"b":{"x":[1,2]}})", R"({ "b" : {"x": [1, 2]}, "a":1 })"),
      DocumentDiff{});
}

TEST(DocumentDiffTest, ANestedChangeChangesItsTopLevelKey) {
  const auto diff = DocumentDiff::between(R"({"mask":{"a":"hash","b":"redact"}})",
                                          R"({"mask":{"a":"hash","b":"show_last_4"}})");
  EXPECT_EQ(diff.changed, Keys{"mask"});
  EXPECT_TRUE(diff.added.empty());
  EXPECT_TRUE(diff.removed.empty());
}

TEST(DocumentDiffTest, ValuesNeverAppear) {
  const auto diff = DocumentDiff::between(R"({"odbc":"PWD=old-secret"})", R"({"odbc":"PWD=new"})");
  EXPECT_EQ(diff.changed, Keys{"odbc"});
}

}  // namespace
}  // namespace oncegate
