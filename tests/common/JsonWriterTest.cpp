#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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
  EXPECT_EQ(
      out,
      "\"人社局\\\"王芳\\\"\\n\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD财政\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

// Plain text is scanned sixteen or eight bytes at a time: a byte that needs escaping, or starts
// UTF-8, is found wherever it falls in a block, and a tail shorter than a block is scanned too.
TEST(JsonWriterTest, FindsWhatNeedsEscapingAtEveryPositionOfAWord) {
  const std::vector<std::pair<std::string, std::string>> specials = {
      {"\"", "\\\""},
      {"\\", "\\\\"},
      {"\n", "\\n"},
      {std::string(1, '\0'), "\\u0000"},
      {"\x1f", "\\u001f"},
      {"\x7f", "\x7f"},
      {"\xff", "\xEF\xBF\xBD"},
      {"张", "张"}};
  for (const auto& [special, escaped] : specials) {
    for (std::size_t before = 0; before < 40; ++before) {
      const std::string plain(before, 'a');
      std::string out;
      JsonWriter::escape(plain + special + "bcdefghij", out);
      EXPECT_EQ(out, plain + escaped + "bcdefghij") << "after " << before << " plain bytes";
    }
  }
}

// Strings shorter than a block are read in pieces of eight, four and single bytes: every length
// up to two blocks, with a byte to escape (or an invalid one) at every position, and none.
TEST(JsonWriterTest, EscapesStringsOfEveryShortLength) {
  for (std::size_t length = 0; length <= 32; ++length) {
    const std::string plain(length, 'x');
    std::string out;
    JsonWriter::escape(plain, out);
    EXPECT_EQ(out, plain) << "length " << length;
    for (std::size_t at = 0; at < length; ++at) {
      for (const auto& [special, escaped] : std::vector<std::pair<char, std::string>>{
               {'"', "\\\""}, {'\x01', "\\u0001"}, {'\xfe', "\xEF\xBF\xBD"}}) {
        std::string text = plain;
        text[at] = special;
        std::string expected = plain.substr(0, at) + escaped + plain.substr(at + 1);
        out.clear();
        JsonWriter::escape(text, out);
        EXPECT_EQ(out, expected) << "length " << length << ", at " << at;
      }
    }
  }
}

// Keys written in the code go out as they are (the compiler has checked them); keys made at run
// time, whatever their type, are escaped.
TEST(JsonWriterTest, WritesLiteralKeysAsTheyAreAndEscapesEveryOtherKey) {
  const std::string fromCaller = "a\"b";
  const char* pointer = "c\\d";
  const std::string_view view = "e\nf";
  std::string out;
  JsonWriter json(out);
  json.beginObject().key("plain").integer(1).key(fromCaller).integer(2).key(pointer).integer(3);
  json.key(view).integer(4).key(std::string("g\x01")).integer(5).endObject();
  EXPECT_EQ(out, R"({"plain":1,"a\"b":2,"c\\d":3,"e\nf":4,"g\u0001":5})");
}

TEST(JsonWriterTest, PlacesCommasAfterEveryKindOfValueAndRawJson) {
  std::string out;
  JsonWriter json(out);
  json.beginArray().raw(R"({"k":[1]})").string("").integer(7).number(0.5).boolean(false).null();
  json.beginArray().endArray().beginObject().key("x").raw("[]").key("y").string("}").endObject();
  json.endArray();
  EXPECT_EQ(out, R"([{"k":[1]},"",7,0.5,false,null,[],{"x":[],"y":"}"}])");
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
