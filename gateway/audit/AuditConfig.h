#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/ConfigNode.h"

namespace oncegate {

// gateway.yaml's `audit: { path: var/audit.jsonl, durability: strict }`.
struct AuditConfig {
  // strict: no answer leaves before its audit record is fsynced (group commit keeps it cheap).
  // batch: records are fsynced in the background at most every 200 ms; a crash may lose the
  // last fraction of a second of records.
  enum class Durability { Strict, Batch };

  std::filesystem::path path;  // absolute, or relative to the process' working directory
  Durability durability = Durability::Strict;
  // `rotate: 1GiB`: once the file reaches this size it is renamed PATH.<UTC time> and a new one
  // continues the chain. 0 (no `rotate:`) keeps one file.
  std::uint64_t rotateBytes = 0;
  // `store:` the central audit record (an ODBC connection string, ${} references expanded: it
  // holds a password, so it is never logged but through redactConnectionString). Empty: this
  // instance ships nothing.
  std::string store;
  // `instance:` the name this trail has in the store; by default "<hostname>:<absolute path>",
  // which tells apart two instances on one host as long as their trails do.
  std::string instance;
};

// The longest `instance:` the store's column holds.
inline constexpr std::size_t kMaxAuditInstanceLength = 255;

// The smallest `rotate:` accepted: a trail rotated every few records would be a trail of files.
inline constexpr std::uint64_t kMinAuditRotateBytes = 1024 * 1024;

inline constexpr std::string_view kDefaultAuditPath = "var/audit.jsonl";
inline constexpr AuditConfig::Durability kDefaultAuditDurability = AuditConfig::Durability::Strict;

// Parses the value of `audit:`. A relative path is taken relative to `baseDir` (the directory of
// gateway.yaml); ${VAR} references in it are expanded. Unknown keys and a durability other than
// strict or batch are rejected with file:line; so are an empty `store:` and an `instance:` that
// is empty, longer than kMaxAuditInstanceLength or holds control characters.
AuditConfig parseAuditConfig(const ConfigNode& node, const std::filesystem::path& baseDir);

// The configuration used when gateway.yaml has no `audit:`.
AuditConfig defaultAuditConfig(const std::filesystem::path& baseDir);

// The default `instance:` for a trail at `path`: "<hostname>:<absolute path>".
std::string defaultAuditInstance(const std::filesystem::path& path);

}  // namespace oncegate
