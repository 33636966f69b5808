#include "gateway/cache/RedisEndpoint.h"

#include <charconv>

namespace oncegate {

namespace {

constexpr std::string_view kScheme = "redis://";
constexpr int kMaxDatabase = 1 << 20;

template <typename Number>
bool parseNumber(std::string_view text, Number& out) {
  if (text.empty()) return false;
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, out);
  return result.ec == std::errc{} && result.ptr == end;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hexDigit(text[i + 1]);
    const int low = hexDigit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<RedisEndpoint> RedisEndpoint::parse(std::string_view url) {
  if (!url.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint endpoint;

  // The password may contain '@' only percent-encoded, so the last '@' ends the credentials.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto user = percentDecode(credentials.substr(0, colon));
    auto password = percentDecode(credentials.substr(colon + 1));
    if (!user || !password || password->empty()) return std::nullopt;
    endpoint.username = std::move(*user);
    endpoint.password = std::move(*password);
  }

  std::string_view hostPort = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostPort = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parseNumber(db, endpoint.database) || endpoint.database < 0 ||
                        endpoint.database > kMaxDatabase)) {
      return std::nullopt;
    }
  }

  std::string_view portText;
  if (hostPort.starts_with('[')) {
    const auto close = hostPort.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    endpoint.host = std::string(hostPort.substr(1, close - 1));
    const std::string_view after = hostPort.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return std::nullopt;
      portText = after.substr(1);
      if (portText.empty()) return std::nullopt;
    }
  } else {
    const auto colon = hostPort.find(':');
    endpoint.host = std::string(hostPort.substr(0, colon));
    if (colon != std::string_view::npos) {
      portText = hostPort.substr(colon + 1);
      if (portText.empty()) return std::nullopt;
    }
  }
  if (endpoint.host.empty()) return std::nullopt;
  if (!portText.empty() && (!parseNumber(portText, endpoint.port) || endpoint.port == 0)) {
    return std::nullopt;
  }
  return endpoint;
}

}  // namespace oncegate
