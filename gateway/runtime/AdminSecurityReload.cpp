#include "gateway/runtime/AdminSecurityReload.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/config/Configuration.h"
#include "gateway/config/GatewayConfig.h"
#include "gateway/runtime/GatewaySnapshot.h"
#include "gateway/runtime/LiveConfiguration.h"

namespace oncegate {

AdminSecurityReload::AdminSecurityReload(LiveConfiguration& live,
                                         std::filesystem::path configDirectory)
    : live_(live), configDirectory_(std::move(configDirectory)) {}

bool AdminSecurityReload::reload() {
  std::lock_guard lock(live_.changeMutex());
  const auto current = live_.current();
  if (current == nullptr) return false;
  try {
    const auto read = parseGatewayConfig(ConfigNode::loadFile(configDirectory_ / "gateway.yaml"),
                                         configDirectory_, std::nullopt);
    GatewayConfig gateway = current->config.gateway;
    gateway.adminTokens = read.adminTokens;
    gateway.adminSecrets = read.adminSecrets;
    // The signing keys too: a rotation (new key first, the old one retired) needs no restart.
    gateway.signing = read.signing;
    // Copies of the documents, never assignments: a YAML::Node assignment would write through to
    // the snapshot in force.
    const auto documents = [&] {
      return std::vector<ConfigDocument>(current->config.documents.begin(),
                                         current->config.documents.end());
    };
    auto next = [&] {
      try {
        return buildConfiguration(gateway, documents());
      } catch (const Error& e) {
        // The tokens still take effect: revoking a token must not wait for a source's secret.
        spdlog::error(
            "gateway.yaml: the new admin.secrets do not resolve the documents in force, so the "
            "previous bindings stay (the new tokens are in force): {}",
            e.message());
        gateway.adminSecrets = current->config.gateway.adminSecrets;
        return buildConfiguration(gateway, documents());
      }
    }();
    live_.install(live_.build(std::move(next), current->version, current.get()));
    spdlog::info("gateway.yaml reloaded: {} admin tokens, secrets bound for {} sources, answers {}",
                 read.adminTokens.size(), read.adminSecrets.size(),
                 read.signing ? "signed with key '" + read.signing->signingKeyId + "'"
                              : std::string("unsigned"));
    return true;
  } catch (const Error& e) {
    spdlog::error(
        "gateway.yaml not reloaded, the admin tokens, secrets and signing keys in force stay: {}",
        e.message());
  } catch (const std::exception& e) {
    spdlog::error(
        "gateway.yaml not reloaded, the admin tokens, secrets and signing keys in force stay: {}",
        e.what());
  }
  return false;
}

}  // namespace oncegate
