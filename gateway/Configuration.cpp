#include "gateway/Configuration.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "mappings/MappingDocuments.h"
#include "policies/Client.h"
#include "policies/Policy.h"

namespace oncegate {

namespace {

// Expands one include pattern, relative to the configuration directory. Only the file name part
// may hold wildcards ("mappings/*.yaml"); files are taken in name order so that loading is
// deterministic.
std::vector<std::filesystem::path> expandInclude(const std::filesystem::path& base,
                                                 const std::string& pattern) {
  const std::filesystem::path relative(pattern);
  const auto directory = base / relative.parent_path();
  const auto name = relative.filename().string();
  std::vector<std::filesystem::path> out;
  if (name.find_first_of("*?[") == std::string::npos) {
    if (!std::filesystem::exists(base / relative)) {
      throw Error(ErrorCode::InvalidConfig, "include: '" + pattern + "' does not exist");
    }
    out.push_back(base / relative);
    return out;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.is_regular_file() &&
        fnmatch(name.c_str(), entry.path().filename().c_str(), FNM_PERIOD) == 0) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Configuration loadConfiguration(const std::filesystem::path& directory,
                                const std::optional<std::string>& listenOverride) {
  const auto gatewayFile = directory / "gateway.yaml";
  const auto root = ConfigNode::loadFile(gatewayFile);
  GatewayConfig gateway = parseGatewayConfig(root, directory, listenOverride);

  std::vector<SourceConfig> sources;
  MappingDocuments mappings;
  std::vector<Client> clients;
  std::vector<Policy> policies;
  std::set<std::filesystem::path> seen;
  for (const auto& pattern : gateway.include) {
    for (const auto& file : expandInclude(directory, pattern)) {
      if (!seen.insert(std::filesystem::weakly_canonical(file)).second) continue;
      const auto document = ConfigNode::loadFile(file);
      if (document.isNull()) continue;
      for (const auto& [key, value] : document.entries()) {
        if (key == "sources") {
          auto parsed = parseSources(value);
          sources.insert(sources.end(), parsed.begin(), parsed.end());
        } else if (key == "subjects") {
          mappings.addSubjects(value);
        } else if (key == "datasets") {
          mappings.addDatasets(value);
        } else if (key == "fields") {
          mappings.addFields(value);
        } else if (key == "forms") {
          mappings.addForms(value);
        } else if (key == "clients") {
          auto parsed = parseClients(value);
          clients.insert(clients.end(), parsed.begin(), parsed.end());
        } else if (key == "policies") {
          auto parsed = parsePolicies(value);
          policies.insert(policies.end(), parsed.begin(), parsed.end());
        } else {
          value.fail(
              "unknown top-level key '" + key +
              "' (expected sources, subjects, datasets, fields, forms, clients or policies)");
        }
      }
    }
  }

  std::set<std::string> sourceIds;
  for (const auto& source : sources) {
    if (!sourceIds.insert(source.id).second) {
      throw Error(ErrorCode::InvalidConfig,
                  source.location + ": duplicate source id '" + source.id + "'");
    }
  }
  auto catalog = MappingCatalog::build(std::move(mappings), sourceIds);
  auto directoryOfClients = ClientDirectory::build(std::move(clients));
  auto policySet = PolicySet::build(std::move(policies), directoryOfClients);
  return Configuration{std::move(gateway), std::move(sources), std::move(catalog),
                       std::move(directoryOfClients), std::move(policySet)};
}

}  // namespace oncegate
