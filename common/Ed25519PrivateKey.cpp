#include "common/Ed25519PrivateKey.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <array>

#include "common/Error.h"

namespace oncegate {

// OpenSSL reads and writes the key (PEM, PKCS #8); libsodium signs with it, in half the time
// OpenSSL 3.0 takes, and every answer is signed. Both implement RFC 8032, so signatures are the
// same bytes (the RFC's vector is checked in the test).
struct Ed25519PrivateKey::Key {
  explicit Key(EVP_PKEY* key) : pkey(key) {}
  ~Key() {
    EVP_PKEY_free(pkey);
    sodium_memzero(secret.data(), secret.size());
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // Fills `secret` from the 32-byte seed OpenSSL holds.
  void prepareSigning() {
    static const bool initialised = sodium_init() >= 0;
    if (!initialised) throw std::runtime_error("libsodium cannot be initialised");
    std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
    std::size_t length = seed.size();
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> publicKey{};
    const bool read = EVP_PKEY_get_raw_private_key(pkey, seed.data(), &length) == 1 &&
                      length == seed.size() &&
                      crypto_sign_seed_keypair(publicKey.data(), secret.data(), seed.data()) == 0;
    sodium_memzero(seed.data(), seed.size());
    if (!read) throw Error(ErrorCode::InvalidConfig, "not a valid Ed25519 private key");
  }

  EVP_PKEY* pkey;
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret{};  // libsodium's form: seed, public
};

namespace {

Ed25519PublicKey publicKeyOf(EVP_PKEY* pkey) {
  std::string raw(Ed25519PublicKey::kSize, '\0');
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != raw.size()) {
    throw Error(ErrorCode::InvalidConfig, "not a valid Ed25519 private key");
  }
  return Ed25519PublicKey::fromRaw(raw);
}

}  // namespace

Ed25519PrivateKey::Ed25519PrivateKey(std::shared_ptr<const Key> key, Ed25519PublicKey publicKey)
    : key_(std::move(key)), publicKey_(std::move(publicKey)) {}

Ed25519PrivateKey Ed25519PrivateKey::fromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) throw std::bad_alloc();
  // No passphrase callback: an encrypted key fails instead of prompting on a terminal.
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  auto key = std::make_shared<Key>(pkey);
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    throw Error(ErrorCode::InvalidConfig,
                "not an unencrypted PEM Ed25519 private key (expected -----BEGIN PRIVATE KEY----- "
                "as `openssl genpkey -algorithm ed25519` writes it)");
  }
  key->prepareSigning();
  auto publicKey = publicKeyOf(pkey);
  return Ed25519PrivateKey(std::move(key), std::move(publicKey));
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) throw std::runtime_error("OpenSSL cannot generate an Ed25519 key");
  auto key = std::make_shared<Key>(pkey);
  key->prepareSigning();
  auto publicKey = publicKeyOf(pkey);
  return Ed25519PrivateKey(std::move(key), std::move(publicKey));
}

std::string Ed25519PrivateKey::sign(std::string_view message) const {
  std::string signature(Ed25519PublicKey::kSignatureSize, '\0');
  if (crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           key_->secret.data()) != 0) {
    throw std::runtime_error("libsodium could not make an Ed25519 signature");
  }
  return signature;
}

std::string Ed25519PrivateKey::toPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) throw std::bad_alloc();
  std::string pem;
  if (PEM_write_bio_PrivateKey(bio, key_->pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(size));
  }
  BIO_free(bio);
  if (pem.empty()) throw std::runtime_error("OpenSSL could not write the Ed25519 key");
  return pem;
}

}  // namespace oncegate
