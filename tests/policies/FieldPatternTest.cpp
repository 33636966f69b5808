#include <gtest/gtest.h>

#include "policies/FieldPattern.h"

namespace oncegate {
namespace {

FieldPattern patternOf(std::string_view text) {
  auto pattern = FieldPattern::parse(text);
  EXPECT_TRUE(pattern.has_value()) << text;
  return pattern.value_or(*FieldPattern::parse("*"));
}

TEST(FieldPatternTest, ExactMatchesOnlyItself) {
  const auto pattern = patternOf("person.name");
  EXPECT_EQ(pattern.kind(), FieldPattern::Kind::Exact);
  EXPECT_TRUE(pattern.matches("person.name"));
  EXPECT_FALSE(pattern.matches("person.name2"));
  EXPECT_FALSE(pattern.matches("person"));
}

TEST(FieldPatternTest, PrefixMatchesEveryDepthBelowButNotThePrefix) {
  const auto pattern = patternOf("person.*");
  EXPECT_EQ(pattern.kind(), FieldPattern::Kind::Prefix);
  EXPECT_TRUE(pattern.matches("person.name"));
  EXPECT_TRUE(pattern.matches("person.health.x"));
  EXPECT_FALSE(pattern.matches("person"));
  EXPECT_FALSE(pattern.matches("person."));
  EXPECT_FALSE(pattern.matches("personnel.name"));
}

TEST(FieldPatternTest, StarMatchesAll) {
  const auto pattern = patternOf("*");
  EXPECT_EQ(pattern.kind(), FieldPattern::Kind::Any);
  EXPECT_TRUE(pattern.matches("anything.at.all"));
}

TEST(FieldPatternTest, NarrowerPatternsAreMoreSpecific) {
  EXPECT_GT(patternOf("person.name").specificity(), patternOf("person.health.*").specificity());
  EXPECT_GT(patternOf("person.health.*").specificity(), patternOf("person.*").specificity());
  EXPECT_GT(patternOf("person.*").specificity(), patternOf("*").specificity());
}

TEST(FieldPatternTest, RejectsMalformedPatterns) {
  for (const char* bad : {"", "per*son", "person*", "*.name", "person.", ".name", "a..b",
                          "person name", ".*", "**"}) {
    EXPECT_FALSE(FieldPattern::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace oncegate
