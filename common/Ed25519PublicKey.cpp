#include "common/Ed25519PublicKey.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/Error.h"

namespace oncegate {

struct Ed25519PublicKey::Key {
  explicit Key(EVP_PKEY* key) : pkey(key) {}
  ~Key() { EVP_PKEY_free(pkey); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  EVP_PKEY* pkey;
};

Ed25519PublicKey::Ed25519PublicKey(std::shared_ptr<const Key> key, std::string raw)
    : key_(std::move(key)), raw_(std::move(raw)) {}

Ed25519PublicKey Ed25519PublicKey::fromRaw(std::string_view raw) {
  if (raw.size() != kSize) {
    throw Error(ErrorCode::InvalidConfig,
                "an Ed25519 public key is 32 bytes, not " + std::to_string(raw.size()));
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (pkey == nullptr) throw Error(ErrorCode::InvalidConfig, "not a valid Ed25519 public key");
  return Ed25519PublicKey(std::make_shared<const Key>(pkey), std::string(raw));
}

Ed25519PublicKey Ed25519PublicKey::fromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) throw std::bad_alloc();
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  const Key key(pkey);  // frees it on every way out below
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    throw Error(ErrorCode::InvalidConfig,
                "not a PEM Ed25519 public key (expected -----BEGIN PUBLIC KEY----- holding an "
                "Ed25519 key, as `openssl pkey -pubout` writes it)");
  }
  std::string raw(kSize, '\0');
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != kSize) {
    throw Error(ErrorCode::InvalidConfig, "not a valid Ed25519 public key");
  }
  return fromRaw(raw);
}

bool Ed25519PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) throw std::bad_alloc();
  const bool valid =
      EVP_DigestVerifyInit(context, nullptr, nullptr, nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(context);
  return valid;
}

}  // namespace oncegate
