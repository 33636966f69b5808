#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/Ed25519PublicKey.h"

namespace oncegate {

// An Ed25519 private key (RFC 8032) that signs answers and audit checkpoints. The key material
// stays inside OpenSSL; nothing here prints or returns it. Immutable once made, so threads may
// sign with one key at the same time.
class Ed25519PrivateKey {
 public:
  // A PEM "PRIVATE KEY" (PKCS #8, as `openssl genpkey -algorithm ed25519` writes it). Throws
  // Error(InvalidConfig) for anything else, another algorithm's key included; the message never
  // quotes the text.
  static Ed25519PrivateKey fromPem(std::string_view pem);
  // A new random key, for tests and `oncegatectl`'s key generation.
  static Ed25519PrivateKey generate();

  // The 64-byte signature of `message`.
  std::string sign(std::string_view message) const;

  const Ed25519PublicKey& publicKey() const { return publicKey_; }

  // PKCS #8 PEM of the key, for writing a freshly generated key to its file.
  std::string toPem() const;

 private:
  struct Key;
  Ed25519PrivateKey(std::shared_ptr<const Key> key, Ed25519PublicKey publicKey);

  std::shared_ptr<const Key> key_;
  Ed25519PublicKey publicKey_;
};

}  // namespace oncegate
