#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace oncegate {

// An Ed25519 public key (RFC 8032), for checking signed answers and audit checkpoints.
// Immutable, so one key may be shared by threads.
class Ed25519PublicKey {
 public:
  static constexpr std::size_t kSize = 32;
  static constexpr std::size_t kSignatureSize = 64;

  // The 32 raw bytes (as a JWK's "x" carries them). Throws Error(InvalidConfig) when `raw` is
  // not 32 bytes or not a key OpenSSL accepts.
  static Ed25519PublicKey fromRaw(std::string_view raw);
  // A PEM "PUBLIC KEY" (SubjectPublicKeyInfo). Throws Error(InvalidConfig) for anything else,
  // another algorithm's key included; the message never quotes the text.
  static Ed25519PublicKey fromPem(std::string_view pem);

  // True only for a 64-byte signature of exactly `message` by this key.
  bool verify(std::string_view message, std::string_view signature) const;

  const std::string& raw() const { return raw_; }

 private:
  struct Key;
  explicit Ed25519PublicKey(std::shared_ptr<const Key> key, std::string raw);

  std::shared_ptr<const Key> key_;
  std::string raw_;
};

}  // namespace oncegate
