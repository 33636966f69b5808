#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
  // Inside an object: the next value's key.
  JsonWriter& key(std::string_view name);

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
