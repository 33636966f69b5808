#include "common/YamlJson.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace oncegate {

namespace {

// The YAML 1.2 core schema's spellings; yaml-cpp gives every plain scalar to us as text.
bool isNullWord(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool isTrueWord(std::string_view text) {
  return text == "true" || text == "True" || text == "TRUE";
}

bool isFalseWord(std::string_view text) {
  return text == "false" || text == "False" || text == "FALSE";
}

// Decimal integers that fit in 64 bits; "007" stays text so that its zeros are not lost.
bool parseInteger(std::string_view text, std::int64_t& out) {
  auto digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return false;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && stop == end;
}

// A plain scalar that YAML reads as a float and JSON can carry as written ("0.01", "-2.5e3"); it is
// passed on as its text, so that no digit is rounded away on the way.
bool isJsonDecimal(std::string_view text) {
  std::size_t at = 0;
  const auto digits = [&] {
    const auto start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    return at > start;
  };
  if (at < text.size() && text[at] == '-') ++at;
  const auto integerStart = at;
  if (!digits() || (text[integerStart] == '0' && at - integerStart > 1)) return false;
  bool fraction = false;
  if (at < text.size() && text[at] == '.') {
    ++at;
    if (!digits()) return false;
    fraction = true;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    if (!digits()) return false;
    fraction = true;
  }
  return fraction && at == text.size();
}

void writeScalar(const YAML::Node& node, JsonWriter& json) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") {  // quoted in the document: the author wrote a string
    json.string(text);
    return;
  }
  std::int64_t number = 0;
  if (isNullWord(text)) {
    json.null();
  } else if (isTrueWord(text)) {
    json.boolean(true);
  } else if (isFalseWord(text)) {
    json.boolean(false);
  } else if (parseInteger(text, number)) {
    json.integer(number);
  } else if (isJsonDecimal(text)) {
    json.raw(text);
  } else {
    json.string(text);
  }
}

}  // namespace

void writeYamlAsJson(const YAML::Node& node, JsonWriter& json) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      json.beginObject();
      for (const auto& entry : node) {
        json.key(entry.first.Scalar());
        writeYamlAsJson(entry.second, json);
      }
      json.endObject();
      return;
    case YAML::NodeType::Sequence:
      json.beginArray();
      for (const auto& item : node) writeYamlAsJson(item, json);
      json.endArray();
      return;
    case YAML::NodeType::Scalar:
      writeScalar(node, json);
      return;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      json.null();
      return;
  }
}

}  // namespace oncegate
