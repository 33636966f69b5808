#pragma once

#include <simdjson.h>

#include <string>

namespace oncegate::testing {

// Parses a response body for assertions; the parser is kept alive with the element.
class TestJson {
 public:
  explicit TestJson(const std::string& text) : padded_(text) {
    if (parser_.parse(padded_).get(root_)) throw std::runtime_error("not JSON: " + text);
  }
  simdjson::dom::element root() const { return root_; }
  // root["a"]["b"] as text: strings unquoted, other values as JSON; "<missing>" when absent.
  std::string at(const std::string& pointer) const {
    simdjson::dom::element element;
    if (root_.at_pointer(pointer).get(element)) return "<missing>";
    std::string_view text;
    if (!element.get_string().get(text)) return std::string(text);
    return simdjson::minify(element);
  }

 private:
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace oncegate::testing
