#include "gateway/config/Configuration.h"

#include <fnmatch.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/SecretReferences.h"
#include "common/SqlDialect.h"
#include "connectors/odbc/OdbcDialect.h"
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

// The `hash` mask is keyed with mask_key, which is optional: without it no policy may use the mask
// (it would have no key, and falling back to hash_key would tie masked values to cache keys).
void requireNoHashMask(const Policy& policy) {
  for (const auto& rule : policy.masks()) {
    if (rule.kind == MaskKind::Hash) {
      throw Error(ErrorCode::InvalidConfig,
                  policy.location() + ": policy '" + policy.id() +
                      "' uses the hash mask, which needs mask_key in gateway.yaml (a secret of "
                      "32 or more characters, apart from hash_key)");
    }
  }
}

}  // namespace

SecretReferences secretReferencesFor(const GatewayConfig& gateway, const ConfigDocument& document) {
  if (document.operatorFile) return SecretReferences::any(gateway.baseDir);
  const auto bound = gateway.adminSecrets.find(document.id);
  return SecretReferences::onlyBound(
      gateway.baseDir,
      bound != gateway.adminSecrets.end() ? bound->second : std::vector<std::string>{},
      document.kind == "sources" ? "source '" + document.id + "'"
                                 : document.kind + " '" + document.id + "'");
}

bool isConfigDocumentKind(std::string_view kind) {
  static constexpr std::string_view kKinds[] = {"sources", "subjects", "datasets", "fields",
                                                "forms",   "clients",  "policies"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

void appendConfigDocuments(const ConfigNode& file, std::vector<ConfigDocument>& documents) {
  if (file.isNull()) return;
  for (const auto& [kind, list] : file.entries()) {
    if (!isConfigDocumentKind(kind)) {
      list.fail("unknown top-level key '" + kind +
                "' (expected sources, subjects, datasets, fields, forms, clients or policies)");
    }
    for (const auto& item : list.items()) {
      if (!item.isMap()) item.fail("expected a mapping with an id");
      documents.push_back(ConfigDocument{kind, item.at("id").asString(), item, true});
    }
  }
}

Configuration loadConfiguration(const std::filesystem::path& directory,
                                const std::optional<std::string>& listenOverride) {
  const auto root = ConfigNode::loadFile(directory / "gateway.yaml");
  GatewayConfig gateway = parseGatewayConfig(root, directory, listenOverride);

  std::vector<ConfigDocument> documents;
  std::set<std::filesystem::path> seen;
  // Included files must lie inside the configuration directory once every symlink is followed:
  // whoever may edit gateway.yaml's folder must not reach files kept elsewhere (an admin
  // secret, another office's configuration) by '..', an absolute path or a link.
  const auto realDirectory = std::filesystem::canonical(directory);
  for (const auto& pattern : gateway.include) {
    for (const auto& file : expandInclude(directory, pattern)) {
      const auto real = std::filesystem::canonical(file);
      const auto inside = real.lexically_relative(realDirectory);
      if (inside.empty() || *inside.begin() == "..") {
        throw Error(ErrorCode::InvalidConfig,
                    "include: '" + pattern + "' names " + real.string() +
                        ", which is outside the configuration directory " + realDirectory.string() +
                        " (symlinks followed); included files must lie inside it");
      }
      if (!seen.insert(real).second) continue;
      appendConfigDocuments(ConfigNode::loadFile(file), documents);
    }
  }
  return buildConfiguration(std::move(gateway), std::move(documents));
}

Configuration buildConfiguration(GatewayConfig gateway, std::vector<ConfigDocument> documents) {
  std::vector<SourceConfig> sources;
  MappingDocuments mappings;
  std::vector<Client> clients;
  std::vector<Policy> policies;
  std::map<std::string, std::string> sourceLocations;
  // Sources first, wherever they are written: a dataset's query is read with the lexical rules
  // of its source's SQL dialect.
  std::map<std::string, SqlDialect> dialects;
  for (const auto& document : documents) {
    if (document.kind != "sources") continue;
    const auto& body = document.body;
    auto source = parseSource(body, secretReferencesFor(gateway, document));
    const auto [first, inserted] = sourceLocations.emplace(source.id, source.location);
    if (!inserted) {
      body.at("id").fail("duplicate source id '" + source.id + "' (first declared at " +
                         first->second + ")");
    }
    dialects[source.id] = odbc::odbcDialect(source.odbc);
    sources.push_back(std::move(source));
  }
  for (const auto& document : documents) {
    const auto& kind = document.kind;
    const auto& body = document.body;
    if (kind == "sources") {
      continue;
    } else if (kind == "subjects") {
      mappings.addSubject(body);
    } else if (kind == "datasets") {
      // An unknown source is MappingCatalog's to report; until then standard rules read it.
      const auto dialect =
          body.find("source") ? dialects.find(body.at("source").asString()) : dialects.end();
      mappings.addDataset(body, dialect == dialects.end() ? SqlDialect::Standard : dialect->second);
    } else if (kind == "fields") {
      mappings.addField(body);
    } else if (kind == "forms") {
      mappings.addForm(body);
    } else if (kind == "clients") {
      clients.push_back(Client::parse(body));
    } else if (kind == "policies") {
      auto policy = Policy::parse(body);
      if (gateway.maskKey.empty()) requireNoHashMask(policy);
      policies.push_back(std::move(policy));
    } else {
      body.fail("unknown kind of configuration document '" + kind + "'");
    }
  }

  std::set<std::string> sourceIds;
  for (const auto& [id, location] : sourceLocations) sourceIds.insert(id);
  auto catalog = MappingCatalog::build(std::move(mappings), sourceIds);
  const bool verifiesClientCertificates = gateway.tls && !gateway.tls->clientCaPem.empty();
  for (const auto& client : clients) {
    // Without a client CA no certificate is ever verified: such a client could never call.
    if (!client.certSha256.empty() && !verifiesClientCertificates) {
      throw Error(ErrorCode::InvalidConfig,
                  client.location + ": client '" + client.id +
                      "' has cert_sha256 but gateway.yaml has no tls.client_ca to verify "
                      "certificates with");
    }
    // The listing reads the central audit record: without one it could only ever fail.
    if (client.canListAccesses && gateway.audit.store.empty()) {
      throw Error(ErrorCode::InvalidConfig,
                  client.location + ": client '" + client.id +
                      "' has can_list_accesses: true but gateway.yaml has no audit.store, the "
                      "central audit record its listing reads");
    }
  }
  auto directoryOfClients = ClientDirectory::build(std::move(clients));
  auto policySet = PolicySet::build(std::move(policies), directoryOfClients);
  return Configuration{std::move(gateway), std::move(documents),          std::move(sources),
                       std::move(catalog), std::move(directoryOfClients), std::move(policySet)};
}

const SourceConfig* Configuration::source(std::string_view id) const {
  for (const auto& candidate : sources) {
    if (candidate.id == id) return &candidate;
  }
  return nullptr;
}

}  // namespace oncegate
