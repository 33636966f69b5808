#include "gateway/audit/AuditConfig.h"

#include "common/SecretReferences.h"

namespace oncegate {

namespace {
std::filesystem::path resolve(const std::filesystem::path& path,
                              const std::filesystem::path& baseDir) {
  return (path.is_absolute() ? path : baseDir / path).lexically_normal();
}
}  // namespace

AuditConfig parseAuditConfig(const ConfigNode& node, const std::filesystem::path& baseDir) {
  node.allowOnlyKeys({"path", "durability", "rotate", "store"});
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
  return config;
}

AuditConfig defaultAuditConfig(const std::filesystem::path& baseDir) {
  return AuditConfig{resolve(kDefaultAuditPath, baseDir), kDefaultAuditDurability, 0, {}};
}

}  // namespace oncegate
