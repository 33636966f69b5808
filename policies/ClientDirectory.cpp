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
    if (auto [it, inserted] = directory.byKeyHash_.emplace(client.apiKeySha256, i); !inserted) {
      report(client, "client '" + client.id + "' has the same api_key_sha256 as client '" +
                         directory.clients_[it->second].id + "': each client needs its own key");
    }
  }
  if (!problems.empty()) throw Error(ErrorCode::InvalidConfig, problems);
  return directory;
}

const Client* ClientDirectory::authenticate(std::string_view apiKey) const {
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
