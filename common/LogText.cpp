#include "common/LogText.h"

namespace oncegate {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool needsEscape(unsigned char byte) { return byte < 0x20 || byte == 0x7f || byte == '\\'; }

// U+0080..U+009F in UTF-8: 0xC2 followed by 0x80..0x9F.
bool isC1Control(std::string_view text, std::size_t at) {
  return at + 1 < text.size() && static_cast<unsigned char>(text[at]) == 0xc2 &&
         static_cast<unsigned char>(text[at + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[at + 1]) <= 0x9f;
}

}  // namespace

std::string logText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (isC1Control(text, i)) {
      const auto code = static_cast<unsigned char>(text[++i]);
      out += "\\u00";
      out.push_back(kHexDigits[code >> 4U]);
      out.push_back(kHexDigits[code & 0xfU]);
      continue;
    }
    if (!needsEscape(byte)) {
      out.push_back(text[i]);
      continue;
    }
    switch (byte) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += "\\x";
        out.push_back(kHexDigits[byte >> 4U]);
        out.push_back(kHexDigits[byte & 0xfU]);
    }
  }
  return out;
}

}  // namespace oncegate
