#include "policies/Mask.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/Digest.h"

namespace oncegate {

namespace {

constexpr std::string_view kRedacted = "***";
constexpr std::size_t kHashHexDigits = 32;
constexpr std::size_t kLastShown = 4;

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// Byte offsets where each UTF-8 character of `text` starts.
std::vector<std::size_t> characterStarts(std::string_view text) {
  std::vector<std::size_t> starts;
  starts.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!isContinuationByte(text[i])) starts.push_back(i);
  }
  return starts;
}

std::string showLast4(std::string_view text) {
  const auto starts = characterStarts(text);
  if (starts.size() <= kLastShown) return std::string(starts.size(), '*');
  const auto hidden = starts.size() - kLastShown;
  std::string out(hidden, '*');
  out.append(text.substr(starts[hidden]));
  return out;
}

std::string showFirst1(std::string_view text) {
  const auto starts = characterStarts(text);
  if (starts.size() <= 1) return std::string(starts.size(), '*');
  std::string out(text.substr(0, starts[1]));
  out.append(starts.size() - 1, '*');
  return out;
}

bool isYearText(std::string_view text) {
  return text.size() >= 4 &&
         std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Value applyMask(MaskKind kind, Value value, std::string_view maskKey) {
  if (value.isNull() || kind == MaskKind::None) return value;
  switch (kind) {
    case MaskKind::None:
      return value;
    case MaskKind::ShowLast4:
      return Value::string(showLast4(value.toString()));
    case MaskKind::ShowFirst1:
      return Value::string(showFirst1(value.toString()));
    case MaskKind::Hash:
      // Without a key the hash would be a plain (guessable) digest: fail closed instead.
      if (maskKey.empty()) return Value::string(std::string(kRedacted));
      return Value::string(hmacSha256Hex(maskKey, value.toString()).substr(0, kHashHexDigits));
    case MaskKind::YearOnly:
      if ((value.kind() == ValueKind::Date || value.kind() == ValueKind::DateTime) &&
          isYearText(value.text())) {
        return Value::string(value.text().substr(0, 4));
      }
      return Value::string(std::string(kRedacted));
    case MaskKind::Redact:
      return Value::string(std::string(kRedacted));
  }
  return Value::string(std::string(kRedacted));
}

}  // namespace oncegate
