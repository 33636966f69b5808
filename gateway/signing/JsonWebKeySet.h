#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/Ed25519PublicKey.h"

namespace oncegate {

struct SigningConfig;

// The public keys that verify signed answers, as the JWKS of GET /v1/keys (RFC 7517; each key
// `kty: OKP`, `crv: Ed25519`, RFC 8037) and as a verifier reads it back.
class JsonWebKeySet {
 public:
  struct Key {
    std::string id;
    Ed25519PublicKey publicKey;
  };

  JsonWebKeySet() = default;
  explicit JsonWebKeySet(std::vector<Key> keys) : keys_(std::move(keys)) {}

  // The keys /v1/keys publishes at `now`: every key of `config` but those whose publish_until
  // (a UTC day, included) has passed.
  static JsonWebKeySet published(const SigningConfig& config,
                                 std::chrono::system_clock::time_point now);
  // Every key of `config`, for a verifier that reads the configuration itself.
  static JsonWebKeySet configured(const SigningConfig& config);
  // A JWKS document. Keys of another type or curve are skipped (a set may hold other keys);
  // an Ed25519 key that is malformed (x not base64url of 32 bytes, no kid) and a document that
  // is not a JWKS throw Error(BadRequest) saying what is wrong.
  static JsonWebKeySet parse(std::string_view document);

  // {"keys":[{"kty":"OKP","crv":"Ed25519","x":..,"kid":..,"alg":"EdDSA","use":"sig"},...]}
  std::string render() const;

  // The key named `id`, or null.
  const Ed25519PublicKey* find(std::string_view id) const;
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
};

}  // namespace oncegate
