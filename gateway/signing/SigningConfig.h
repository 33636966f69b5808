#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Ed25519PrivateKey.h"
#include "common/Ed25519PublicKey.h"

namespace oncegate {

// gateway.yaml `signing:`: the Ed25519 key that signs answers now, and every key whose answers
// may still be verified (newest first), each with the id a signature names it by.
struct SigningConfig {
  struct PublishedKey {
    std::string id;
    Ed25519PublicKey publicKey;
    // The last day (UTC) /v1/keys lists the key; nullopt: as long as it is configured.
    std::optional<std::chrono::sys_days> publishUntil;
  };

  // The first key of `keys`, the one that signs.
  std::string signingKeyId;
  Ed25519PrivateKey signingKey;
  // Every configured key, the signing one first, in the order written.
  std::vector<PublishedKey> keys;

  // Parses `signing: { keys: [...] }`; a key is PEM text (after ${...} expansion) or the path of
  // a PEM file relative to `baseDir`, as `tls:` material is. Throws Error(InvalidConfig) naming
  // file, line and key id, never the key text.
  static SigningConfig parse(const ConfigNode& node, const std::filesystem::path& baseDir);
};

}  // namespace oncegate
