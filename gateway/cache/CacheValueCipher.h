#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oncegate {

// Seals the values the gateway writes to the shared cache (Redis) with AES-256-GCM, so that
// someone who can read Redis (a dump, a replica, an operator's MONITOR) learns nothing about the
// rows, and cannot move a value under another key: the cache key is the associated data.
//
// A sealed value is: version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext | tag
// (16 bytes). The nonce is fresh random bytes per value. The key id is the first bytes of
// HMAC-SHA256(key, "oncegate cache key id"): it tells which key sealed a value without saying
// anything about the key. Keys are given newest first: values are sealed with the newest, opened
// with whichever key their id names, so a new key is rolled out (prepended) and an old one
// retired (dropped once its values expired) without a flush.
//
// Random 96-bit nonces keep the collision probability under 2^-32 for 2^32 values per key (NIST
// SP 800-38D): rotate a key well before it has sealed that many.
//
// Thread-safe: every call uses its own OpenSSL context.
class CacheValueCipher {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kKeyIdBytes = 4;
  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kTagBytes = 16;
  static constexpr std::uint8_t kVersion = 1;
  static constexpr std::size_t kOverhead = 1 + kKeyIdBytes + kNonceBytes + kTagBytes;

  using Key = std::array<unsigned char, kKeyBytes>;

  // `keys` newest first, at least one, no two alike. Throws Error(InvalidConfig) otherwise.
  explicit CacheValueCipher(std::vector<Key> keys);

  // 64 hex digits (either case) into a key; nullopt for anything else.
  static std::optional<Key> parseHexKey(std::string_view hex);
  // The id a value sealed with `key` carries, as 8 lower-case hex digits (for logs and tests).
  static std::string keyIdHex(const Key& key);

  // `plaintext` sealed with the newest key, bound to `cacheKey`; nullopt when the system gave no
  // random bytes or OpenSSL failed (the caller does not cache the value).
  std::optional<std::string> seal(std::string_view cacheKey, std::string_view plaintext) const;
  // The plaintext of a value sealed under `cacheKey`; nullopt when it cannot be opened: an
  // unknown version or key id, a truncated value, a value moved from another key or altered.
  std::optional<std::string> open(std::string_view cacheKey, std::string_view sealed) const;

 private:
  struct KnownKey {
    Key key;
    std::array<unsigned char, kKeyIdBytes> id;
  };
  std::vector<KnownKey> keys_;  // newest first
};

}  // namespace oncegate
