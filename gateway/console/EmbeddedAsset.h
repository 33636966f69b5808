#pragma once

#include <span>
#include <string_view>

namespace oncegate {

// One file of the web console, compiled into the binary (EmbedConsoleAssets.cmake generates the
// table from the console's build): the gateway serves exactly these and nothing of its disk.
struct EmbeddedAsset {
  std::string_view path;         // relative to /console/, e.g. "index.html", "assets/main-x1.js"
  std::string_view body;         // the file's bytes
  std::string_view contentType;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;         // strong ETag: the SHA-256 of the body, quoted
};

// The console's files as built (empty when the build leaves the console out, ONCEGATE_CONSOLE=OFF).
std::span<const EmbeddedAsset> embeddedConsoleAssets();

}  // namespace oncegate
