#include "gateway/audit/AuditConfig.h"

#include <unistd.h>

#include <array>

#include "common/SecretReferences.h"

namespace oncegate {

namespace {
std::filesystem::path resolve(const std::filesystem::path& path,
                              const std::filesystem::path& baseDir) {
  return (path.is_absolute() ? path : baseDir / path).lexically_normal();
}
}  // namespace

AuditConfig parseAuditConfig(const ConfigNode& node, const std::filesystem::path& baseDir) {
  node.allowOnlyKeys({"path", "durability", "rotate", "store", "instance"});
  AuditConfig config = defaultAuditConfig(baseDir);
  if (auto path = node.find("path")) {
    const std::string text = path->asExpandedString(SecretReferences::any(baseDir));
    if (text.back() == '/') path->fail("audit path must name a file, not a directory");
    config.path = resolve(text, baseDir);
  }
  if (auto durability = node.find("durability")) {
    const std::string text = durability->asString();
    if (text == "strict") {
      config.durability = AuditConfig::Durability::Strict;
    } else if (text == "batch") {
      config.durability = AuditConfig::Durability::Batch;
    } else {
      durability->fail("durability must be strict or batch, not '" + text + "'");
    }
  }
  if (auto rotate = node.find("rotate")) {
    config.rotateBytes = rotate->asByteSize();
    if (config.rotateBytes < kMinAuditRotateBytes) {
      rotate->fail("rotate must be at least 1MiB (the size at which the file is rotated)");
    }
  }
  if (auto store = node.find("store")) {
    config.store = store->asExpandedString(SecretReferences::any(baseDir));
    if (config.store.empty()) store->fail("store must be an ODBC connection string, not empty");
  }
  if (auto instance = node.find("instance")) {
    config.instance = instance->asExpandedString(SecretReferences::any(baseDir));
    if (config.instance.empty()) instance->fail("instance must name this trail, not be empty");
    if (config.instance.size() > kMaxAuditInstanceLength) {
      instance->fail("instance must be at most " + std::to_string(kMaxAuditInstanceLength) +
                     " bytes (the store's column)");
    }
    for (const unsigned char c : config.instance) {
      if (c < 0x20 || c == 0x7f) instance->fail("instance must not hold control characters");
    }
  } else {
    config.instance = defaultAuditInstance(config.path);
    if (!config.store.empty() && config.instance.size() > kMaxAuditInstanceLength) {
      node.fail("the default instance name (host:path) is longer than " +
                std::to_string(kMaxAuditInstanceLength) + " bytes: name the trail with instance:");
    }
  }
  return config;
}

AuditConfig defaultAuditConfig(const std::filesystem::path& baseDir) {
  AuditConfig config{resolve(kDefaultAuditPath, baseDir), kDefaultAuditDurability, 0, {}, {}};
  config.instance = defaultAuditInstance(config.path);
  return config;
}

std::string defaultAuditInstance(const std::filesystem::path& path) {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::error_code ignored;
  auto absolute = std::filesystem::absolute(path, ignored);
  if (absolute.empty()) absolute = path;
  return std::string(host.data()) + ":" + absolute.lexically_normal().string();
}

}  // namespace oncegate
