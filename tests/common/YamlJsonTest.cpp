#include <gtest/gtest.h>

#include <string>

#include "common/YamlJson.h"

namespace oncegate {
namespace {

std::string asJson(const std::string& yaml) {
  std::string out;
  JsonWriter json(out);
  writeYamlAsJson(YAML::Load(yaml), json);
  return out;
}

TEST(YamlJsonTest, MapsBecomeObjectsInOrderAndSequencesArrays) {
  EXPECT_EQ(asJson("id: hr\nallow: [a, b]\nmask: { x: show_last_4 }\n"),
            R"({"id":"hr","allow":["a","b"],"mask":{"x":"show_last_4"}})");
  EXPECT_EQ(asJson("[]"), "[]");
  EXPECT_EQ(asJson("{}"), "{}");
}

TEST(YamlJsonTest, PlainIntegersBooleansAndNullsKeepTheirJsonType) {
  EXPECT_EQ(asJson("{ a: 4, b: -12, c: +3, d: true, e: False, f: ~, g: null, h: }"),
            R"({"a":4,"b":-12,"c":3,"d":true,"e":false,"f":null,"g":null,"h":null})");
}

TEST(YamlJsonTest, QuotedScalarsStayStringsWhateverTheyLookLike) {
  EXPECT_EQ(asJson(R"({ a: "4", b: 'true', c: "~", d: "" })"),
            R"({"a":"4","b":"true","c":"~","d":""})");
}

// The admin API answers with the YAML documents as JSON: `per_second: 0.01` is a number there
// (api/openapi.json), written with the author's digits.
TEST(YamlJsonTest, PlainDecimalsAreJsonNumbersAsWritten) {
  EXPECT_EQ(asJson("{ a: 0.01, b: -2.50, c: 1e3, d: 6.02E+23 }"),
            R"({"a":0.01,"b":-2.50,"c":1e3,"d":6.02E+23})");
}

TEST(YamlJsonTest, OtherPlainScalarsAreStrings) {
  // Durations, dates, versions, zero-padded codes and numbers beyond 64 bits keep their text, and
  // so do the YAML float spellings JSON has no numbers for.
  EXPECT_EQ(asJson("[2s, 2027-12-31, 1.2.3, 007, 00.5, 99999999999999999999, yes, 1MiB, .5, "
                   "1., .inf]"),
            R"(["2s","2027-12-31","1.2.3","007","00.5","99999999999999999999","yes","1MiB",)"
            R"(".5","1.",".inf"])");
  EXPECT_EQ(asJson("0"), "0");
}

TEST(YamlJsonTest, JsonInputComesBackAsTheSameJson) {
  const std::string body =
      R"({"id":"p","clients":["c"],"pool":2,"require_case":true,"note":null,"code":"0571"})";
  EXPECT_EQ(asJson(body), body);
}

TEST(YamlJsonTest, TextIsEscaped) {
  EXPECT_EQ(asJson("q: \"say \\\"hi\\\"\\n\"\nname: 张三\n"),
            "{\"q\":\"say \\\"hi\\\"\\n\",\"name\":\"张三\"}");
}

}  // namespace
}  // namespace oncegate
