#include "common/JsonWriter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

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

// Appends `text`, in which no byte needs escaping, replacing each byte that does not begin a
// valid UTF-8 sequence with U+FFFD: the slow way, taken only for text simdjson found invalid.
void appendReplacingInvalidUtf8(std::string_view text, std::string& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.data() + i, length);
      i += length;
    }
  }
}

#if defined(__SSE2__)
// The `size` (at most 8) bytes at `bytes` in the low bytes of a word, the rest zero, read without
// reading past them (sanitizers would rightly object) and without a round trip through memory:
// a short string's last bytes were copied into a buffer and loaded back as a vector, and that
// load, waiting for the copy's narrower stores, stalled the whole scan.
std::uint64_t loadUpTo8(const char* bytes, std::size_t size) {
  std::uint64_t word = 0;
  if (size == 8) {
    std::memcpy(&word, bytes, 8);
  } else if (size >= 4) {
    // Two four-byte reads that overlap; the bytes both hold are the same, so or-ing is harmless.
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::memcpy(&first, bytes, 4);
    std::memcpy(&last, bytes + size - 4, 4);
    word = first | (static_cast<std::uint64_t>(last) << (8 * (size - 4)));
  } else {
    for (std::size_t i = 0; i < size; ++i) {
      word |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    }
  }
  return word;
}

// Bit i set when byte i of `block` must be escaped: below 0x20 (unsigned), '"' or '\\'.
unsigned specialBytes(__m128i block) {
  const __m128i belowSpace =
      _mm_cmpeq_epi8(_mm_max_epu8(block, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
  const __m128i special =
      _mm_or_si128(belowSpace, _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'))));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

// How many of the `size` bytes at `bytes` come before the first that must be escaped (a control
// character, '"' or '\\'); `nonAscii` is set when a byte from 0x80 up lies among them, as the
// run must then be checked as UTF-8. Most strings written are short keys, ids and values: with
// SSE2 (every x86-64 has it) a string is looked at sixteen bytes at a time, the last few through
// a padded copy, so a short string costs one comparison rather than a loop over its bytes.
std::size_t plainRun(const char* bytes, std::size_t size, bool& nonAscii) {
  std::size_t done = 0;
#if defined(__SSE2__)
  unsigned high = 0;
  const auto scan = [&](__m128i block, unsigned valid) {
    const unsigned special = specialBytes(block) & valid;
    const unsigned before = special == 0 ? valid : (special & -special) - 1;
    high |= static_cast<unsigned>(_mm_movemask_epi8(block)) & before;
    return special;
  };
  for (; done + 16 <= size; done += 16) {
    const auto special =
        scan(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + done)), 0xFFFF);
    if (special != 0) {
      nonAscii = high != 0;
      return done + static_cast<std::size_t>(__builtin_ctz(special));
    }
  }
  if (done < size) {
    const std::size_t left = size - done;
    const std::uint64_t low = loadUpTo8(bytes + done, std::min<std::size_t>(left, 8));
    const std::uint64_t high8 = left > 8 ? loadUpTo8(bytes + done + 8, left - 8) : 0;
    const unsigned valid = (1U << left) - 1;
    const auto special =
        scan(_mm_set_epi64x(static_cast<long long>(high8), static_cast<long long>(low)), valid);
    done = special != 0 ? done + static_cast<std::size_t>(__builtin_ctz(special)) : size;
  }
  nonAscii = high != 0;
#else
  for (; done < size; ++done) {
    const auto c = static_cast<unsigned char>(bytes[done]);
    if (c < 0x20 || c == '"' || c == '\\') break;
    nonAscii = nonAscii || c >= 0x80;
  }
#endif
  return done;
}

}  // namespace

void JsonWriter::escape(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (true) {
    // The longest run that needs no escaping goes in one append; valid UTF-8 (Chinese names,
    // addresses) belongs to it, checked by simdjson only when the run has such bytes at all.
    bool nonAscii = false;
    const std::size_t end = i + plainRun(text.data() + i, text.size() - i, nonAscii);
    const std::string_view run = text.substr(i, end - i);
    if (!nonAscii || simdjson::validate_utf8(run.data(), run.size())) {
      out.append(run);
    } else {
      appendReplacingInvalidUtf8(run, out);
    }
    if (end == text.size()) return;
    const auto c = static_cast<unsigned char>(text[end]);
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
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    i = end + 1;
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

JsonWriter& JsonWriter::key(LiteralKey name) {
  separate();
  out_.push_back('"');
  out_.append(name.text());
  out_ += "\":";
  return *this;
}

JsonWriter& JsonWriter::escapedKey(std::string_view name) {
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
