#include "policies/ClientDirectory.h"

#include "common/Digest.h"
#include "common/Error.h"

namespace oncegate {

ClientDirectory ClientDirectory::build(std::vector<Client> clients) {
  ClientDirectory directory;
  directory.clients_ = std::move(clients);
  std::string problems;
  const auto report = [&problems](const Client& client, const std::string& problem) {
    if (!problems.empty()) problems.push_back('\n');
    problems += client.location + ": " + problem;
  };
  for (std::size_t i = 0; i < directory.clients_.size(); ++i) {
    const auto& client = directory.clients_[i];
    if (auto [it, inserted] = directory.byId_.emplace(client.id, i); !inserted) {
      report(client, "duplicate client id '" + client.id + "' (first defined at " +
                         directory.clients_[it->second].location + ")");
    }
    const auto indexOnce = [&](Index& index, const std::string& hash, const char* key,
                               const char* what) {
      if (hash.empty()) return;
      if (auto [it, inserted] = index.emplace(hash, i); !inserted) {
        report(client, "client '" + client.id + "' has the same " + key + " as client '" +
                           directory.clients_[it->second].id + "': each client needs its own " +
                           what);
      }
    };
    indexOnce(directory.byKeyHash_, client.apiKeySha256, "api_key_sha256", "key");
    indexOnce(directory.byCertHash_, client.certSha256, "cert_sha256", "certificate");
  }
  if (!problems.empty()) throw Error(ErrorCode::InvalidConfig, problems);
  return directory;
}

const Client* ClientDirectory::authenticate(std::string_view apiKey,
                                            std::string_view certificateSha256) const {
  if (!certificateSha256.empty()) {
    const auto byCertificate = byCertHash_.find(certificateSha256);
    if (byCertificate != byCertHash_.end()) {
      const Client& client = clients_[byCertificate->second];
      if (apiKey.empty()) return &client;
      // Both presented: they must name the same system, or one of them is borrowed.
      return authenticate(apiKey) == &client ? &client : nullptr;
    }
  }
  if (apiKey.empty()) return nullptr;
  const auto presented = sha256Hex(apiKey);
  const auto it = byKeyHash_.find(std::string_view(presented));
  if (it == byKeyHash_.end()) return nullptr;
  const Client& client = clients_[it->second];
  return constantTimeEquals(client.apiKeySha256, presented) ? &client : nullptr;
}

const Client* ClientDirectory::find(std::string_view id) const {
  const auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &clients_[it->second];
}

}  // namespace oncegate
