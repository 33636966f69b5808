#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// A set of field ids named in a policy: an exact id ("person.name"), everything below a prefix
// at any depth ("person.*" matches "person.name" and "person.health.x", not "person"), or "*".
class FieldPattern {
 public:
  enum class Kind : std::uint8_t { Exact, Prefix, Any };

  // nullopt when `text` is none of the three forms (empty, a '*' elsewhere, spaces, ...).
  static std::optional<FieldPattern> parse(std::string_view text);

  bool matches(std::string_view fieldId) const;
  // Larger is narrower: any exact id, then longer prefixes, then "*" (0).
  std::size_t specificity() const;
  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }

 private:
  Kind kind_ = Kind::Exact;
  std::string text_;    // as written
  std::string prefix_;  // for Prefix: the text up to and including the last '.'
};

}  // namespace oncegate
