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

TEST(YamlJsonTest, OtherPlainScalarsAreStrings) {
  // Durations, decimals, dates, zero-padded codes and numbers beyond 64 bits keep their text.
  EXPECT_EQ(asJson("[2s, 1.5, 2027-12-31, 007, 99999999999999999999, yes, 1MiB]"),
            R"(["2s","1.5","2027-12-31","007","99999999999999999999","yes","1MiB"])");
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
