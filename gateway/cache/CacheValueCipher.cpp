#include "gateway/cache/CacheValueCipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

#include "common/Digest.h"
#include "common/Error.h"

namespace oncegate {

namespace {

constexpr std::string_view kKeyIdLabel = "oncegate cache key id";
constexpr std::size_t kHeaderBytes = 1 + CacheValueCipher::kKeyIdBytes;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext newContext() { return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free); }

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char* bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

int length(std::size_t size) { return static_cast<int>(size); }

std::array<unsigned char, CacheValueCipher::kKeyIdBytes> keyIdOf(const CacheValueCipher::Key& key) {
  const std::string mac = hmacSha256Hex(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), kKeyIdLabel);
  std::array<unsigned char, CacheValueCipher::kKeyIdBytes> id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    id[i] = static_cast<unsigned char>(hexDigit(mac[2 * i]) * 16 + hexDigit(mac[2 * i + 1]));
  }
  return id;
}

// The associated data: the value's header (so that its version and key id cannot be changed)
// and the cache key (so that it cannot be moved under another key).
bool addAssociatedData(EVP_CIPHER_CTX* context, std::string_view header,
                       std::string_view cacheKey) {
  int ignored = 0;
  return EVP_CipherUpdate(context, nullptr, &ignored, bytes(header), length(header.size())) == 1 &&
         EVP_CipherUpdate(context, nullptr, &ignored, bytes(cacheKey), length(cacheKey.size())) ==
             1;
}

}  // namespace

CacheValueCipher::CacheValueCipher(std::vector<Key> keys) {
  if (keys.empty()) {
    throw Error(ErrorCode::InvalidConfig, "cache.encryption_keys: at least one key is needed");
  }
  for (const auto& key : keys) {
    const auto id = keyIdOf(key);
    for (const auto& known : keys_) {
      // Equal ids of distinct keys are a 2^-32 accident; either way a value would be opened
      // with the wrong key, so the operator must make a new key.
      if (known.id == id) {
        throw Error(ErrorCode::InvalidConfig,
                    known.key == key ? "cache.encryption_keys: a key is listed twice"
                                     : "cache.encryption_keys: two keys have the same id; "
                                       "replace the newer one");
      }
    }
    keys_.push_back(KnownKey{key, id});
  }
}

std::optional<CacheValueCipher::Key> CacheValueCipher::parseHexKey(std::string_view hex) {
  if (hex.size() != 2 * kKeyBytes) return std::nullopt;
  Key key{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    const int high = hexDigit(hex[2 * i]);
    const int low = hexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    key[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return key;
}

std::string CacheValueCipher::keyIdHex(const Key& key) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : keyIdOf(key)) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::optional<std::string> CacheValueCipher::seal(std::string_view cacheKey,
                                                  std::string_view plaintext) const {
  const KnownKey& newest = keys_.front();
  std::string out(kOverhead + plaintext.size(), '\0');
  out[0] = static_cast<char>(kVersion);
  std::copy(newest.id.begin(), newest.id.end(), bytes(out) + 1);
  unsigned char* nonce = bytes(out) + kHeaderBytes;
  if (RAND_bytes(nonce, length(kNonceBytes)) != 1) return std::nullopt;
  unsigned char* ciphertext = nonce + kNonceBytes;

  const auto context = newContext();
  int written = 0;
  int finalWritten = 0;
  if (!context ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, length(kNonceBytes), nullptr) !=
          1 ||
      EVP_EncryptInit_ex(context.get(), nullptr, nullptr, newest.key.data(), nonce) != 1 ||
      !addAssociatedData(context.get(), std::string_view(out).substr(0, kHeaderBytes), cacheKey) ||
      EVP_EncryptUpdate(context.get(), ciphertext, &written, bytes(plaintext),
                        length(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), ciphertext + written, &finalWritten) != 1 ||
      static_cast<std::size_t>(written + finalWritten) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, length(kTagBytes),
                          ciphertext + plaintext.size()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> CacheValueCipher::open(std::string_view cacheKey,
                                                  std::string_view sealed) const {
  if (sealed.size() < kOverhead || static_cast<std::uint8_t>(sealed[0]) != kVersion) {
    return std::nullopt;
  }
  const auto known = std::find_if(keys_.begin(), keys_.end(), [&](const KnownKey& candidate) {
    return std::equal(candidate.id.begin(), candidate.id.end(), bytes(sealed) + 1);
  });
  if (known == keys_.end()) return std::nullopt;
  const unsigned char* nonce = bytes(sealed) + kHeaderBytes;
  const unsigned char* ciphertext = nonce + kNonceBytes;
  const std::size_t plaintextSize = sealed.size() - kOverhead;
  // GCM's tag argument is not const in OpenSSL's signature: hand it a copy.
  std::array<unsigned char, kTagBytes> tag{};
  std::copy_n(ciphertext + plaintextSize, kTagBytes, tag.begin());

  std::string plaintext(plaintextSize, '\0');
  const auto context = newContext();
  int written = 0;
  int finalWritten = 0;
  if (!context ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, length(kNonceBytes), nullptr) !=
          1 ||
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, known->key.data(), nonce) != 1 ||
      !addAssociatedData(context.get(), sealed.substr(0, kHeaderBytes), cacheKey) ||
      EVP_DecryptUpdate(context.get(), bytes(plaintext), &written, ciphertext,
                        length(plaintextSize)) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, length(kTagBytes), tag.data()) !=
          1 ||
      EVP_DecryptFinal_ex(context.get(), bytes(plaintext) + written, &finalWritten) != 1) {
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace oncegate
