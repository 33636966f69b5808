#include "policies/Client.h"

#include <algorithm>

namespace oncegate {

namespace {
constexpr std::size_t kSha256HexLength = 64;
constexpr bool kDefaultCanListAccesses = false;

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace

Client Client::parse(const ConfigNode& item) {
  item.allowOnlyKeys({"id", "department", "api_key_sha256", "cert_sha256", "purposes", "rate_limit",
                      "can_list_accesses", "description"});
  Client client;
  client.id = item.at("id").asString();
  client.location = item.location();
  if (auto department = item.find("department")) client.department = department->asString();
  const auto keyHash = item.find("api_key_sha256");
  const auto certHash = item.find("cert_sha256");
  if (!keyHash && !certHash) {
    item.fail("client '" + client.id + "' needs api_key_sha256 or cert_sha256 (or both)");
  }
  if (keyHash) {
    client.apiKeySha256 = keyHash->asString();
    if (client.apiKeySha256.size() != kSha256HexLength || !isLowerHex(client.apiKeySha256)) {
      keyHash->fail(
          "api_key_sha256 must be 64 lower-case hex digits (oncegatectl hash-key prints it)");
    }
  }
  if (certHash) {
    client.certSha256 = certHash->asString();
    if (client.certSha256.size() != kSha256HexLength || !isLowerHex(client.certSha256)) {
      certHash->fail(
          "cert_sha256 must be 64 lower-case hex digits (openssl x509 -noout -fingerprint "
          "-sha256, without colons, in lower case)");
    }
  }
  const auto purposes = item.at("purposes");
  client.purposes = purposes.asStringList();
  if (client.purposes.empty()) purposes.fail("a client needs at least one purpose");
  if (auto rateLimit = item.find("rate_limit")) client.rateLimit = RateLimit::parse(*rateLimit);
  client.canListAccesses = kDefaultCanListAccesses;
  if (auto listAccesses = item.find("can_list_accesses")) {
    client.canListAccesses = listAccesses->asBool();
  }
  return client;
}

bool Client::allowsPurpose(std::string_view purpose) const {
  return std::find(purposes.begin(), purposes.end(), purpose) != purposes.end();
}

std::vector<Client> parseClients(const ConfigNode& list) {
  std::vector<Client> clients;
  for (const auto& item : list.items()) clients.push_back(Client::parse(item));
  return clients;
}

}  // namespace oncegate
