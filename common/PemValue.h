#pragma once

#include <filesystem>
#include <string>

#include "common/ConfigNode.h"

namespace oncegate {

// A configuration value that holds PEM material (TLS certificates and keys, signing keys): the
// PEM text itself, after ${...} expansion (e.g. ${file:/run/secrets/key}), or the path of a PEM
// file relative to `baseDir` (the directory of gateway.yaml). Fails the node, naming the path,
// when the file cannot be read; never quotes what it read.
std::string pemValueOf(const ConfigNode& node, const std::filesystem::path& baseDir);

}  // namespace oncegate
