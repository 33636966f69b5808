#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "common/Error.h"
#include "gateway/config/GatewayConfig.h"

// gateway.yaml texts and the two ways the GatewayConfig tests read them.
namespace oncegate {

inline const std::filesystem::path kBase = "/etc/oncegate";
inline constexpr const char* kHashKeyLine = "hash_key: 0123456789abcdef0123456789abcdef\n";
inline const std::string kCacheKeyHex(64, 'c');
inline const std::string kOldCacheKeyHex = "0123456789ABCDEF" + std::string(48, 'd');
// The cache line `redis:` needs.
inline const std::string kCacheLine = "cache: { encryption_keys: [" + kCacheKeyHex + "] }\n";

inline GatewayConfig parse(const std::string& yaml,
                           const std::optional<std::string>& listenOverride = std::nullopt) {
  return parseGatewayConfig(ConfigNode::parse(yaml, "gateway.yaml"), kBase, listenOverride);
}

// The InvalidConfig message for `yaml`, which must be rejected.
inline std::string rejection(const std::string& yaml,
                             const std::optional<std::string>& listenOverride = std::nullopt) {
  try {
    parse(yaml, listenOverride);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "accepted: " << yaml;
  return {};
}

}  // namespace oncegate
