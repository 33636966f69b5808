#include <gtest/gtest.h>

#include "common/JsonWriter.h"
#include "common/Value.h"

namespace oncegate {
namespace {

TEST(JsonWriterTest, PlacesCommasInNestedContainers) {
  std::string out;
  JsonWriter json(out);
  json.beginObject().key("a").integer(1).key("b").beginArray().string("x").null().boolean(true);
  json.endArray().key("c").beginObject().endObject().endObject();
  EXPECT_EQ(out, R"({"a":1,"b":["x",null,true],"c":{}})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  JsonWriter(out).string("a\"b\\c\n\t\x01");
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonWriterTest, KeepsChineseTextAndReplacesInvalidUtf8) {
  std::string out;
  JsonWriter(out).string("张三\xff\xc3");
  EXPECT_EQ(out, "\"张三\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

// Valid sequences pass whole between escapes and invalid bytes, each invalid byte (a surrogate's
// three, a cut-off sequence's two) becoming one replacement character.
TEST(JsonWriterTest, MixesUtf8RunsEscapesAndInvalidBytes) {
  std::string out;
  JsonWriter(out).string("人社局\"王芳\"\n\xed\xa0\x80财政\xe5\xb8");
  EXPECT_EQ(out,
            "\"人社局\\\"王芳\\\"\\n\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD财政\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonWriterTest, WritesValuesByKind) {
  std::string out;
  JsonWriter json(out);
  json.beginArray()
      .value(Value::integer(-7))
      .value(Value::decimal("12.50"))
      .value(Value::boolean(false))
      .value(Value::date("1960-01-01"))
      .value(Value())
      .endArray();
  EXPECT_EQ(out, R"([-7,"12.50",false,"1960-01-01",null])");
}

}  // namespace
}  // namespace oncegate
