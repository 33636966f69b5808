#include "gateway/http/QueryParameters.h"

#include <charconv>

#include "common/Error.h"

namespace oncegate {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string QueryParameters::decode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && plusIsSpace) {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else {
      const int high = i + 2 < text.size() ? hexDigit(text[i + 1]) : -1;
      const int low = high >= 0 ? hexDigit(text[i + 2]) : -1;
      if (low < 0) {
        throw Error(ErrorCode::BadRequest,
                    "broken %-escape in the request target: expected two hex digits after %");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

QueryParameters QueryParameters::parse(std::string_view target) {
  QueryParameters out;
  const auto question = target.find('?');
  if (question == std::string_view::npos) return out;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto part = rest.substr(0, amp);
    if (!part.empty()) {
      const auto equals = part.find('=');
      out.parameters_.emplace_back(
          decode(part.substr(0, equals), true),
          equals == std::string_view::npos ? std::string() : decode(part.substr(equals + 1), true));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<std::string> QueryParameters::find(std::string_view name) const {
  for (const auto& [key, value] : parameters_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

void QueryParameters::allowOnly(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : parameters_) {
    bool listed = false;
    for (const auto name : known) listed = listed || name == key;
    if (listed) continue;
    std::string names;
    for (const auto name : known) {
      if (!names.empty()) names += ", ";
      names += name;
    }
    throw Error(ErrorCode::BadRequest,
                "unknown query parameter '" + key + "' (known: " + names + ")");
  }
}

long long QueryParameters::integer(std::string_view name, long long fallback, long long min,
                                   long long max) const {
  const auto text = find(name);
  if (!text) return fallback;
  long long value = 0;
  const auto* end = text->data() + text->size();
  const auto [stop, problem] = std::from_chars(text->data(), end, value);
  if (problem != std::errc() || stop != end || value < min || value > max) {
    throw Error(ErrorCode::BadRequest, "query parameter '" + std::string(name) +
                                           "' must be a whole number from " + std::to_string(min) +
                                           " to " + std::to_string(max));
  }
  return value;
}

}  // namespace oncegate
