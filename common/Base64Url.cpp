#include "common/Base64Url.h"

#include <array>
#include <cstdint>

namespace oncegate {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> decodingTable() {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr auto kDecoding = decodingTable();

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  appendBase64Url(bytes, out);
  return out;
}

void appendBase64Url(std::string_view bytes, std::string& out) {
  // Written through a pointer into room made once: a signed answer's body is encoded on every
  // request, and a push_back per character cost more than the encoding.
  const std::size_t at = out.size();
  out.resize(at + (bytes.size() * 4 + 2) / 3);
  char* to = out.data() + at;
  const auto* from = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = std::uint32_t{from[i]} << 16 | std::uint32_t{from[i + 1]} << 8 |
                                std::uint32_t{from[i + 2]};
    *to++ = kAlphabet[group >> 18 & 63];
    *to++ = kAlphabet[group >> 12 & 63];
    *to++ = kAlphabet[group >> 6 & 63];
    *to++ = kAlphabet[group & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{from[i]} << 16;
    *to++ = kAlphabet[group >> 18 & 63];
    *to++ = kAlphabet[group >> 12 & 63];
  } else if (rest == 2) {
    const std::uint32_t group = std::uint32_t{from[i]} << 16 | std::uint32_t{from[i + 1]} << 8;
    *to++ = kAlphabet[group >> 18 & 63];
    *to++ = kAlphabet[group >> 12 & 63];
    *to++ = kAlphabet[group >> 6 & 63];
  }
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t group = 0;
  int bits = 0;
  for (const char c : text) {
    const auto value = kDecoding[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    group = group << 6 | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(group >> bits & 0xFF));
    }
  }
  // The bits left over must be zero: otherwise two texts would decode to the same bytes.
  if ((group & ((1U << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace oncegate
