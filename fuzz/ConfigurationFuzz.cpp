// The configuration loader on any text: gateway.yaml and the files it includes, as one input
// split at lines "---" (the first part is gateway.yaml, each further part one included file),
// through the same calls loadConfiguration makes (parseGatewayConfig, appendConfigDocuments,
// buildConfiguration) without touching the disk. A bad configuration must be refused with
// Error(InvalidConfig) and a message, never another exception or a crash; an accepted one must
// hold what its documents declared.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "fuzz/FuzzProperty.h"
#include "gateway/config/Configuration.h"
#include "gateway/config/GatewayConfig.h"

namespace oncegate {
namespace {

std::vector<std::string_view> splitFiles(std::string_view text) {
  static constexpr std::string_view kSeparator = "\n---\n";
  std::vector<std::string_view> parts;
  for (auto at = text.find(kSeparator); at != std::string_view::npos; at = text.find(kSeparator)) {
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(text);
  return parts;
}

void load(std::string_view text) {
  const auto files = splitFiles(text);
  // Never read: paths in the configuration are resolved against it, nothing is opened.
  const std::filesystem::path baseDir = "/nonexistent/oncegate-fuzz-config";
  auto gateway = parseGatewayConfig(ConfigNode::parse(files[0], "gateway.yaml"), baseDir, {});
  std::vector<ConfigDocument> documents;
  for (std::size_t i = 1; i < files.size(); ++i) {
    appendConfigDocuments(ConfigNode::parse(files[i], "included-" + std::to_string(i) + ".yaml"),
                          documents);
  }
  const auto declared = documents;
  const auto configuration = buildConfiguration(std::move(gateway), std::move(documents));
  fuzzRequire(configuration.documents.size() == declared.size(),
              "an accepted configuration keeps every document");
  for (const auto& document : declared) {
    fuzzRequire(!document.id.empty(), "every accepted document has an id");
    if (document.kind == "sources") {
      fuzzRequire(configuration.source(document.id) != nullptr,
                  "every declared source is in the configuration");
    }
  }
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The references the example configurations use; an unset one is refused like any other error.
  setenv("ONCEGATE_HASH_KEY", "fuzz-hash-key-0123456789abcdef0123456789", 0);
  setenv("ONCEGATE_DATA", "/nonexistent/oncegate-fuzz-data", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    oncegate::load(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const oncegate::Error& error) {
    oncegate::fuzzRequire(error.code() == oncegate::ErrorCode::InvalidConfig,
                          "a configuration is refused with InvalidConfig");
    oncegate::fuzzRequire(!error.message().empty(), "a refusal says what is wrong");
  }
  return 0;
}
