#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/SecretReferences.h"
#include "connectors/SourceConfig.h"
#include "gateway/config/ConfigDocument.h"
#include "gateway/config/GatewayConfig.h"
#include "mappings/MappingCatalog.h"
#include "policies/ClientDirectory.h"
#include "policies/PolicySet.h"

namespace oncegate {

// One whole, validated configuration: gateway settings, sources, mappings, clients and
// policies. Immutable once loaded; a reload builds a new one.
struct Configuration {
  GatewayConfig gateway;
  std::vector<ConfigDocument> documents;  // what the objects below were built from
  std::vector<SourceConfig> sources;
  MappingCatalog mappings;
  ClientDirectory clients;
  PolicySet policies;

  // The configured source `id`; nullptr when there is none.
  const SourceConfig* source(std::string_view id) const;
};

// The one configuration loader: reads DIR/gateway.yaml and every file its `include` globs name,
// hands each top-level key to the module that owns it, and validates the whole. Throws
// Error(InvalidConfig) naming file, line and reason.
Configuration loadConfiguration(const std::filesystem::path& directory,
                                const std::optional<std::string>& listenOverride = std::nullopt);

// How the ${...} references of `document` resolve: all of them for the operator's files, only
// those gateway.yaml binds to it (admin.secrets) for anything else.
SecretReferences secretReferencesFor(const GatewayConfig& gateway, const ConfigDocument& document);

// Appends the documents of one included file (its sources:, datasets:, ... lists) to
// `documents`, as loadConfiguration reads them (marked as the operator's, so every ${...} reference
// resolves); the fuzz target feeds it text (fuzz/).
void appendConfigDocuments(const ConfigNode& file, std::vector<ConfigDocument>& documents);

// Builds and validates a whole configuration from its documents: every object parsed by the
// module that owns its kind, then every reference checked. The admin plane calls this on a copy
// of the documents with one changed, so that a change takes effect only if the whole is valid.
Configuration buildConfiguration(GatewayConfig gateway, std::vector<ConfigDocument> documents);

}  // namespace oncegate
