#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oncegate {

// The format of one line of the audit trail, shared by the writer and the verifier: the record
// with `,"prev":"<sha256 hex of the previous line>"` inserted before its final '}'.
struct AuditLine {
  // The prev of the first line ever.
  static constexpr std::string_view kFirstPrev =
      "0000000000000000000000000000000000000000000000000000000000000000";

  // Puts a record on one line: raw CR/LF (only legal between JSON tokens) become spaces and
  // surrounding whitespace goes. Throws Error(Internal) when the record is not a JSON object.
  static std::string prepare(std::string record);

  // The line (without newline) for a prepared record.
  static std::string chain(std::string_view prepared, std::string_view prev);

  // The prev a line carries; nullopt when the line does not end the way chain() ends lines.
  static std::optional<std::string_view> prevOf(std::string_view line);
};

}  // namespace oncegate
