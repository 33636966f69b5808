#include "gateway/audit/AuditLine.h"

#include <algorithm>

#include "common/Error.h"

namespace oncegate {

namespace {
constexpr std::string_view kPrevKey = R"("prev":")";
constexpr std::size_t kHexLength = 64;

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

std::string AuditLine::prepare(std::string record) {
  // Every data request passes here: find (memchr) skips to the rare line breaks instead of
  // testing each character, and a record that needs no trimming is returned as it is, not copied.
  for (const char lineBreak : {'\n', '\r'}) {
    std::size_t at = 0;
    while ((at = record.find(lineBreak, at)) != std::string::npos) record[at++] = ' ';
  }
  const auto first = std::find_if_not(record.begin(), record.end(), isSpace);
  const auto last = std::find_if_not(record.rbegin(), record.rend(), isSpace).base();
  if (first >= last || *first != '{' || *(last - 1) != '}') {
    throw Error(ErrorCode::Internal, "internal error", "an audit record must be one JSON object");
  }
  if (first == record.begin() && last == record.end()) return record;
  return {first, last};
}

std::string AuditLine::chain(std::string_view prepared, std::string_view prev) {
  // An empty object gets no comma before "prev".
  const auto body = prepared.substr(1, prepared.size() - 2);
  const bool empty = std::all_of(body.begin(), body.end(), isSpace);
  std::string line;
  line.reserve(prepared.size() + kPrevKey.size() + prev.size() + 3);
  if (empty) {
    line.push_back('{');
  } else {
    line.append(prepared.substr(0, prepared.size() - 1));
    line.push_back(',');
  }
  line.append(kPrevKey);
  line.append(prev);
  line.append("\"}");
  return line;
}

std::optional<std::string_view> AuditLine::prevOf(std::string_view line) {
  const std::size_t tail = kPrevKey.size() + kHexLength + 2;  // "prev":"<hex>"}
  if (line.size() < tail + 1 || !line.ends_with("\"}")) return std::nullopt;
  const auto start = line.size() - tail;
  if (line.substr(start, kPrevKey.size()) != kPrevKey) return std::nullopt;
  const char before = line[start - 1];
  if (before != ',' && before != '{') return std::nullopt;
  const auto prev = line.substr(start + kPrevKey.size(), kHexLength);
  if (!isLowerHex(prev)) return std::nullopt;
  return prev;
}

}  // namespace oncegate
