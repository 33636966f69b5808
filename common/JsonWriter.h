#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace oncegate {

class Value;

// The project's one JSON writer: appends straight into a string buffer (no DOM) and places the
// commas itself. Strings are escaped and invalid UTF-8 is replaced by U+FFFD, so the output is
// always valid JSON whatever a source returned.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  // A key written in the code, a string literal: checked when compiled to need no escaping, so
  // that writing it is a copy. Most keys are such (an answer and its audit record have ~70),
  // and escaping them one call at a time was ~4% of a hot request.
  class LiteralKey {
   public:
    // Implicit, so that key("status") takes this overload.
    template <std::size_t N>
    consteval LiteralKey(const char (&text)[N]) : text_(text, N - 1) {
      for (std::size_t i = 0; i + 1 < N; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        // Not a constant expression, so a literal that would need escaping does not compile.
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') throw "needs escaping";
      }
    }
    std::string_view text() const { return text_; }

   private:
    std::string_view text_;
  };

  // Inside an object: the next value's key. A literal is taken as it is (LiteralKey); any other
  // text (ids, names, anything a caller sent) is escaped.
  JsonWriter& key(LiteralKey name);
  template <typename Text>
  requires(std::is_convertible_v<const Text&, std::string_view> &&
           !std::is_array_v<Text>) JsonWriter& key(const Text& name) {
    return escapedKey(name);
  }

  JsonWriter& string(std::string_view text);
  JsonWriter& integer(std::int64_t number);
  JsonWriter& number(double number);  // fixed, up to 6 significant decimals trimmed
  JsonWriter& boolean(bool flag);
  JsonWriter& null();
  // Strings, decimals, dates and datetimes as JSON strings; ints as numbers; bools as true/false.
  JsonWriter& value(const Value& value);
  // Already-serialised JSON, inserted as one value.
  JsonWriter& raw(std::string_view json);

  // Appends `text` JSON-escaped (without quotes) to `out`.
  static void escape(std::string_view text, std::string& out);

 private:
  JsonWriter& escapedKey(std::string_view name);

  // Called before every element: inline, being most of what writing a small element costs.
  void separate() {
    if (depth_ == 0) return;
    const char last = out_.back();
    if (last != '{' && last != '[' && last != ':') out_.push_back(',');
  }

  std::string& out_;
  // Containers open. Inside one, whether a comma comes before the next element is told by the
  // last byte written: none after '{', '[' or a key's ':', one after any complete value (which
  // ends in '}', ']', '"', a digit or a letter).
  unsigned depth_ = 0;
};

}  // namespace oncegate
