#include "common/JsonWriter.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/Value.h"

namespace oncegate {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned int minimum = 0;
  unsigned int codepoint = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, minimum = 0x80, codepoint = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, minimum = 0x800, codepoint = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, minimum = 0x10000, codepoint = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    codepoint = (codepoint << 6) | (byte(i + k) & 0x3F);
  }
  if (codepoint < minimum || codepoint > 0x10FFFF || (codepoint >= 0xD800 && codepoint <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// Whether the eight bytes at `bytes` are all printable ASCII other than '"' and '\\'.
// (v - 0x01..) & ~v & 0x80.. is non-zero exactly when some byte of v is zero; the same with
// 0x20.. when some byte is below 0x20, given none has its high bit set.
bool eightPlainAsciiBytes(const char* bytes) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof word);
  const auto hasZeroByte = [&](std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; };
  const std::uint64_t notPlain = (word & kHighBits) | ((word - kOnes * 0x20) & ~word & kHighBits) |
                                 hasZeroByte(word ^ (kOnes * '"')) |
                                 hasZeroByte(word ^ (kOnes * '\\'));
  return notPlain == 0;
}

// How many of the `size` bytes at `bytes` are printable ASCII other than '"' and '\\' before
// the first that is not (it may stop short of that one, never past it). Keys, field ids and
// most values are such text, and escape() spent most of its time looking at it a byte at a time:
// sixteen at a time with SSE2 (every x86-64 has it), eight at a time otherwise.
std::size_t plainAsciiPrefix(const char* bytes, std::size_t size) {
  std::size_t done = 0;
#if defined(__SSE2__)
  // A signed compare: bytes from 0x80 up are negative, so "below 0x20" takes them in too.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; done + 16 <= size; done += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + done));
    const __m128i special =
        _mm_or_si128(_mm_cmplt_epi8(block, space),
                     _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask != 0) return done + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (done + 8 <= size && eightPlainAsciiBytes(bytes + done)) done += 8;
  return done;
}

}  // namespace

void JsonWriter::escape(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Bytes that go out as they are: printable ASCII but the quote and the backslash.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x80; ++c) table[c] = c != '"' && c != '\\';
    return table;
  }();
  const auto plain = [](unsigned char c) { return kPlain[c]; };
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run that needs no escaping in one append: most text is such a run, and
    // valid UTF-8 (Chinese names, addresses) belongs to it rather than going a sequence at a time.
    std::size_t run = i;
    while (run < text.size()) {
      run += plainAsciiPrefix(text.data() + run, text.size() - run);
      if (run == text.size()) break;
      const auto c = static_cast<unsigned char>(text[run]);
      if (plain(c)) {
        ++run;
        continue;
      }
      const std::size_t length = c >= 0x80 ? utf8SequenceLength(text, run) : 0;
      if (length == 0) break;
      run += length;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          const std::size_t length = utf8SequenceLength(text, i);
          if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
          } else {
            out.append(text.data() + i, length);
            i += length;
          }
          continue;
        }
    }
    ++i;
  }
}

JsonWriter& JsonWriter::beginObject() {
  separate();
  out_.push_back('{');
  ++depth_;
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  out_.push_back('}');
  --depth_;
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  separate();
  out_.push_back('[');
  ++depth_;
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  out_.push_back(']');
  --depth_;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  out_.push_back('"');
  escape(name, out_);
  out_ += "\":";
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  separate();
  out_.push_back('"');
  escape(text, out_);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t number) {
  separate();
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
  (void)ec;
  out_.append(buffer, end);
  return *this;
}

JsonWriter& JsonWriter::number(double number) {
  if (!std::isfinite(number)) return null();
  separate();
  char buffer[32];
  const int length = std::snprintf(buffer, sizeof buffer, "%.6g", number);
  out_.append(buffer, static_cast<std::size_t>(length));
  return *this;
}

JsonWriter& JsonWriter::boolean(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(const Value& value) {
  switch (value.kind()) {
    case ValueKind::Null:
      return null();
    case ValueKind::Int:
      return integer(value.asInt());
    case ValueKind::Bool:
      return boolean(value.asBool());
    default:
      return string(value.text());
  }
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json);
  return *this;
}

}  // namespace oncegate
