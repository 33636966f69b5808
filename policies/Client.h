#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ConfigNode.h"
#include "policies/RateLimit.h"

namespace oncegate {

// A calling system: who it is, which department runs it, how it authenticates (the SHA-256 of
// its API key, which itself is never stored, and/or of its TLS client certificate) and the
// purposes it may ask for.
struct Client {
  std::string id;
  std::string department;
  std::string apiKeySha256;  // 64 lower-case hex digits; empty: authenticates by certificate only
  std::string certSha256;    // SHA-256 of its certificate's DER, 64 lower-case hex; empty: none
  std::vector<std::string> purposes;
  std::optional<RateLimit> rateLimit;  // absent: no limit
  std::string location;                // file:line of its definition
  // May ask who accessed a subject's data (POST /v1/accesses): a citizen portal's grant of its
  // own, apart from purposes and policies. Needs audit.store, which the listing reads.
  bool canListAccesses = false;

  // One item of a `clients:` list: { id, department, api_key_sha256, cert_sha256, purposes,
  // rate_limit, can_list_accesses, description }; at least one of api_key_sha256 and cert_sha256.
  static Client parse(const ConfigNode& item);

  bool allowsPurpose(std::string_view purpose) const;
};

// Every item of a `clients:` list.
std::vector<Client> parseClients(const ConfigNode& list);

}  // namespace oncegate
