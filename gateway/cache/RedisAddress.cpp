#include "gateway/cache/RedisAddress.h"

#include <charconv>

namespace oncegate {

std::optional<RedisAddress> RedisAddress::parse(std::string_view text) {
  RedisAddress address;
  std::string_view portText;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    address.host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    portText = text.substr(colon + 1);
  }
  if (address.host.empty() || portText.empty()) return std::nullopt;
  const auto* end = portText.data() + portText.size();
  const auto parsed = std::from_chars(portText.data(), end, address.port);
  if (parsed.ec != std::errc{} || parsed.ptr != end || address.port == 0) return std::nullopt;
  return address;
}

std::string RedisAddress::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace oncegate
