#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policies/Client.h"

namespace oncegate {

// The known clients, found by id or by the API key and TLS client certificate they present.
class ClientDirectory {
 public:
  // Duplicate ids and duplicate key hashes (two clients sharing a key) are rejected together as
  // one Error(InvalidConfig), one "file:line: problem" per line.
  static ClientDirectory build(std::vector<Client> clients);

  // The client whose key hash is sha256(apiKey), or nullptr. The final comparison takes the
  // same time wherever the hashes differ. With `certificateSha256` (a certificate verified at
  // the TLS handshake) that names a client: that client, provided that an API key sent along
  // names the same one (else nullptr). A certificate that names no client leaves the API key to
  // decide.
  const Client* authenticate(std::string_view apiKey,
                             std::string_view certificateSha256 = {}) const;
  const Client* find(std::string_view id) const;
  const std::vector<Client>& clients() const { return clients_; }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Index = std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>>;

  std::vector<Client> clients_;
  Index byId_;
  Index byKeyHash_;
  Index byCertHash_;
};

}  // namespace oncegate
