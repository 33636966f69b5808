#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/SecretReferences.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;

std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(ConfigNodeTest, RejectsUnknownKeysNamingFileAndLine) {
  auto doc = ConfigNode::parse("a: 1\nbogus: 2\n", "x.yaml");
  EXPECT_THAT(errorOf([&] { doc.allowOnlyKeys({"a"}); }),
              HasSubstr("x.yaml:2: unknown key 'bogus'"));
}

TEST(ConfigNodeTest, ReportsMissingRequiredKey) {
  auto doc = ConfigNode::parse("a: 1\n", "x.yaml");
  EXPECT_THAT(errorOf([&] { doc.at("b"); }), HasSubstr("missing required key 'b'"));
}

// Issue 9, finding 2: yaml-cpp keeps both entries of a repeated key (lookups find the first),
// most other readers the last. Documents and admin bodies (JSON read as YAML) refuse a repeat.
TEST(ConfigNodeTest, RefusesARepeatedKeyAtAnyDepth) {
  EXPECT_THAT(errorOf([] { ConfigNode::parse("a: 1\nb: 2\na: 3\n", "x.yaml"); }),
              HasSubstr("x.yaml:3: key 'a' appears twice"));
  EXPECT_THAT(errorOf([] {
                ConfigNode::parse(R"({"subject":{"type":"person","id_card":"A","id_card":"B"}})",
                                  "request body");
              }),
              HasSubstr("key 'id_card' appears twice"));
  EXPECT_THAT(errorOf([] { ConfigNode::parse("list:\n  - {id: x, id: y}\n", "x.yaml"); }),
              HasSubstr("x.yaml:2: key 'id' appears twice"));
  // Quoting does not make another key.
  EXPECT_THAT(errorOf([] { ConfigNode::parse("a: 1\n\"a\": 2\n", "x.yaml"); }),
              HasSubstr("key 'a' appears twice"));
}

TEST(ConfigNodeTest, RefusesRepeatedKeysInFilesToo) {
  const auto path = std::filesystem::temp_directory_path() / "oncegate-repeated-key.yaml";
  {
    std::ofstream out(path);
    out << "listen: 127.0.0.1:1\nthreads: 1\nlisten: 127.0.0.1:2\n";
  }
  EXPECT_THAT(errorOf([&] { ConfigNode::loadFile(path); }),
              HasSubstr("key 'listen' appears twice"));
  std::filesystem::remove(path);
}

TEST(ConfigNodeTest, BoundsTheWalkOverExpandedAliases) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'h'; ++level) {
    const char previous = static_cast<char>(level - 1);
    bomb += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + previous;
    bomb += "]\n";
  }
  EXPECT_THAT(errorOf([&] { ConfigNode::parse(bomb, "bomb.yaml"); }),
              HasSubstr("nodes once aliases are expanded"));
}

TEST(ConfigNodeTest, ReportsYamlSyntaxErrorsWithLine) {
  EXPECT_THAT(errorOf([] { ConfigNode::parse("a: [1, 2\nb: 3\n", "bad.yaml"); }),
              HasSubstr("bad.yaml:"));
}

TEST(ConfigNodeTest, ParsesTypedScalars) {
  auto doc = ConfigNode::parse("n: 7\nt: 2s\ns: 1MiB\nf: true\nl: [a, b]\n", "x.yaml");
  EXPECT_EQ(doc.at("n").asInt(1, 10), 7);
  EXPECT_EQ(doc.at("t").asDuration(), std::chrono::seconds(2));
  EXPECT_EQ(doc.at("s").asByteSize(), 1048576U);
  EXPECT_TRUE(doc.at("f").asBool());
  EXPECT_EQ(doc.at("l").asStringList(), (std::vector<std::string>{"a", "b"}));
}

TEST(ConfigNodeTest, RejectsOutOfRangeAndMalformedScalars) {
  auto doc = ConfigNode::parse("n: 70\nt: soon\nf: maybe\n", "x.yaml");
  EXPECT_THAT(errorOf([&] { doc.at("n").asInt(1, 10); }), HasSubstr("x.yaml:1: expected a number"));
  EXPECT_THAT(errorOf([&] { doc.at("t").asDuration(); }),
              HasSubstr("x.yaml:2: expected a duration"));
  EXPECT_THAT(errorOf([&] { doc.at("f").asBool(); }),
              HasSubstr("x.yaml:3: expected true or false"));
}

TEST(ConfigNodeTest, ExpandsEnvironmentAndNamesMissingVariables) {
  ::setenv("ONCEGATE_TEST_SECRET", "s3cret", 1);
  auto doc = ConfigNode::parse(
      "odbc: \"Pwd=${ONCEGATE_TEST_SECRET};x\"\nmissing: ${NOPE_NOT_SET}\n", "x.yaml");
  const auto references = SecretReferences::any("/etc/oncegate");
  EXPECT_EQ(doc.at("odbc").asExpandedString(references), "Pwd=s3cret;x");
  EXPECT_THAT(errorOf([&] { doc.at("missing").asExpandedString(references); }),
              HasSubstr("x.yaml:2: environment variable 'NOPE_NOT_SET' is not set"));
}

TEST(ConfigNodeTest, ParsesJsonBodiesToo) {
  auto doc = ConfigNode::parse(R"({"id": "hr", "pool": 2})", "request body");
  EXPECT_EQ(doc.at("id").asString(), "hr");
  EXPECT_EQ(doc.at("pool").asInt(1, 64), 2);
}

}  // namespace
}  // namespace oncegate

namespace oncegate {
namespace {

TEST(ConfigNodeTest, AssignmentRebindsAndNeverWritesThroughToACopy) {
  auto list = ConfigNode::parse("- {id: a}\n- {id: b}\n", "x.yaml").items();
  const auto original = list;  // another holder of the same documents
  list[0] = ConfigNode::parse("{id: replaced}", "body");
  EXPECT_EQ(list[0].at("id").asString(), "replaced");
  EXPECT_EQ(original[0].at("id").asString(), "a");
  EXPECT_EQ(original[1].at("id").asString(), "b");
}

}  // namespace
}  // namespace oncegate
