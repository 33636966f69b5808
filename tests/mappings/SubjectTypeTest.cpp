#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/Error.h"
#include "mappings/SubjectType.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;

SubjectType parseFirst(const char* text) {
  return SubjectType::parse(ConfigNode::parse(text, "test.yaml").items().front());
}

std::string errorOf(const char* text) {
  try {
    parseFirst(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  return "no error";
}

TEST(SubjectTypeTest, ParsesIdKeyAndPattern) {
  const auto subject = parseFirst(R"(- id: person
  key: id_card
  pattern: "^[0-9]{17}[0-9X]$"
)");
  EXPECT_EQ(subject.id(), "person");
  EXPECT_EQ(subject.key(), "id_card");
  EXPECT_EQ(subject.pattern(), "^[0-9]{17}[0-9X]$");
  EXPECT_EQ(subject.location(), "test.yaml:1");
}

TEST(SubjectTypeTest, AcceptsOnlyWholeMatches) {
  const auto subject = parseFirst(R"(- id: person
  key: id_card
  pattern: "^[0-9]{17}[0-9X]$"
)");
  EXPECT_TRUE(subject.accepts("330102196001010011"));
  EXPECT_TRUE(subject.accepts("33010219600101001X"));
  EXPECT_FALSE(subject.accepts("33010219600101001x"));
  EXPECT_FALSE(subject.accepts("3301021960010100111"));
  EXPECT_FALSE(subject.accepts("33010219600101001"));
  EXPECT_FALSE(subject.accepts("330102196001010011\n"));
  EXPECT_FALSE(subject.accepts(""));
}

TEST(SubjectTypeTest, PatternWithoutAnchorsStillMatchesTheWholeKey) {
  const auto subject = parseFirst(R"(- id: org
  key: credit_code
  pattern: "[0-9A-Z]{3}"
)");
  EXPECT_TRUE(subject.accepts("91A"));
  EXPECT_FALSE(subject.accepts("91A3"));
  EXPECT_FALSE(subject.accepts("x91A"));
}

TEST(SubjectTypeTest, RefusesOverlongKeysWithoutMatching) {
  const auto subject = parseFirst(R"(- id: any
  key: k
  pattern: "^.*$"
)");
  EXPECT_TRUE(subject.accepts(std::string(SubjectType::kMaxKeyLength, 'a')));
  EXPECT_FALSE(subject.accepts(std::string(SubjectType::kMaxKeyLength + 1, 'a')));
}

TEST(SubjectTypeTest, TakesTheKeyValueOfARequestAndNamesTheRuleItBreaks) {
  const auto type = parseFirst("- { id: person, key: id_card, pattern: \"^[0-9]{17}[0-9X]$\" }");
  EXPECT_EQ(type.keyValueOf({{"id_card", "33010219660315013X"}}), "33010219660315013X");
  const auto messageOf = [&](const std::vector<std::pair<std::string, std::string>>& keys) {
    try {
      type.keyValueOf(keys);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest);
      return e.message();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(messageOf({}), "subject.id_card is required");
  EXPECT_EQ(messageOf({{"passport", "E1234"}}),
            "subject.passport is not a key of subject type 'person' (its key is id_card)");
  const auto refused = messageOf({{"id_card", "12345"}});
  EXPECT_EQ(refused, "subject.id_card does not match the pattern of 'person': ^[0-9]{17}[0-9X]$");
}

TEST(SubjectTypeTest, RejectsPatternThatDoesNotCompile) {
  EXPECT_THAT(errorOf(R"(- id: person
  key: id_card
  pattern: "^[0-9{17}$"
)"),
              HasSubstr("test.yaml:3: pattern does not compile"));
}

// Found by the configuration fuzzer: libstdc++'s regex compiler overflowed a signed integer on
// a count like this one (undefined behaviour) instead of refusing it.
TEST(SubjectTypeTest, RejectsARepetitionCountNoKeyCouldNeed) {
  EXPECT_THAT(errorOf(R"(- id: person
  key: id_card
  pattern: "^[0-9]{9999999999999999999999}$"
)"),
              HasSubstr("test.yaml:3: pattern repeats something more than 1000 times"));
  EXPECT_THAT(errorOf(R"(- id: person
  key: id_card
  pattern: "^[0-9]{2,1001}$"
)"),
              HasSubstr("more than 1000 times"));
  EXPECT_EQ(parseFirst(R"(- id: person
  key: id_card
  pattern: "^[0-9]{17}[0-9X]\\{99999\\}$"
)")
                .pattern(),
            "^[0-9]{17}[0-9X]\\{99999\\}$");
}

// A subject type whose key has `pattern`, single-quoted in YAML: taken as written.
std::string personKeyedBy(std::string_view pattern) {
  return "- id: person\n  key: id_card\n  pattern: '" + std::string(pattern) + "'\n";
}

// A nested repetition takes a backtracking matcher (std::regex, before RE2) time exponential in
// the length of a key that almost matches: this test did not end (ctest's timeout ends it), and a
// request could hold an I/O thread as long.
TEST(SubjectTypeTest, APatternThatBacktracksBadlyStillAnswersAtOnce) {
  const auto type = parseFirst(personKeyedBy("^(a+)+$").c_str());
  EXPECT_FALSE(type.accepts(std::string(SubjectType::kMaxKeyLength - 1, 'a') + "b"));
  EXPECT_TRUE(type.accepts(std::string(SubjectType::kMaxKeyLength, 'a')));
}

// Patterns are RE2: what only a backtracking engine can do (lookahead, backreferences) is refused
// when the configuration loads, with the syntax named.
TEST(SubjectTypeTest, RejectsWhatRe2CannotMatch) {
  EXPECT_THAT(errorOf(personKeyedBy("^(?=[0-9]{18}$)[0-9]+$").c_str()),
              HasSubstr("test.yaml:3: pattern does not compile (RE2 syntax)"));
  EXPECT_THAT(errorOf(personKeyedBy(R"(^([0-9])\1+$)").c_str()),
              HasSubstr("pattern does not compile (RE2 syntax)"));
}

TEST(SubjectTypeTest, RejectsUnknownKey) {
  EXPECT_THAT(errorOf(R"(- id: person
  key: id_card
  patern: "^[0-9]+$"
)"),
              HasSubstr("test.yaml:3: unknown key 'patern'"));
}

TEST(SubjectTypeTest, RejectsMissingKeyName) {
  EXPECT_THAT(errorOf(R"(- id: person
  pattern: "^[0-9]+$"
)"),
              HasSubstr("test.yaml:1: missing required key 'key'"));
}

}  // namespace
}  // namespace oncegate
