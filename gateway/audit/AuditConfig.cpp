#include "gateway/audit/AuditConfig.h"

#include "common/SecretReferences.h"

namespace oncegate {

namespace {
std::filesystem::path resolve(const std::filesystem::path& path,
                              const std::filesystem::path& baseDir) {
  return (path.is_absolute() ? path : baseDir / path).lexically_normal();
}

AuditConfig::Checkpoint parseCheckpoint(const ConfigNode& node) {
  node.allowOnlyKeys({"records", "interval"});
  AuditConfig::Checkpoint checkpoint;
  if (auto records = node.find("records")) {
    checkpoint.records = static_cast<std::uint64_t>(records->asInt(1, kMaxAuditCheckpointRecords));
  }
  if (auto interval = node.find("interval")) {
    checkpoint.interval = interval->asDuration();
    if (checkpoint.interval < kMinAuditCheckpointInterval ||
        checkpoint.interval > kMaxAuditCheckpointInterval) {
      interval->fail("checkpoint interval must be between 1s and 24h");
    }
  }
  return checkpoint;
}
}  // namespace

AuditConfig parseAuditConfig(const ConfigNode& node, const std::filesystem::path& baseDir) {
  node.allowOnlyKeys({"path", "durability", "rotate", "checkpoint"});
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
  if (auto checkpoint = node.find("checkpoint")) config.checkpoint = parseCheckpoint(*checkpoint);
  return config;
}

AuditConfig defaultAuditConfig(const std::filesystem::path& baseDir) {
  return AuditConfig{resolve(kDefaultAuditPath, baseDir), kDefaultAuditDurability, 0, {}};
}

}  // namespace oncegate
