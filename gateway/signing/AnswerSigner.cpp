#include "gateway/signing/AnswerSigner.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <stdexcept>

#include "common/Base64Url.h"
#include "common/Ed25519PublicKey.h"
#include "common/JsonWriter.h"
#include "gateway/signing/SigningConfig.h"

namespace oncegate {

struct AnswerSigner::OpenSslKey {
  explicit OpenSslKey(EVP_PKEY* key) : pkey(key) {}
  ~OpenSslKey() { EVP_PKEY_free(pkey); }
  OpenSslKey(const OpenSslKey&) = delete;
  OpenSslKey& operator=(const OpenSslKey&) = delete;
  EVP_PKEY* pkey;
};

namespace {

std::atomic<std::uint64_t> nextGeneration{1};

std::string encodedHeaderOf(std::string_view keyId) {
  std::string header;
  JsonWriter json(header);
  json.beginObject().key("alg").string("EdDSA").key("kid").string(keyId).endObject();
  return base64UrlEncode(header);
}

EVP_PKEY* openSslKeyOf(const Ed25519PrivateKey& key) {
  const auto pem = key.toPem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) throw std::bad_alloc();
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) throw std::runtime_error("OpenSSL cannot read back the signing key");
  return pkey;
}

// The calling thread's signing context, ready for the signer of `generation`. One EdDSA context
// signs any number of messages (each EVP_DigestSign is one-shot); it is made again only when the
// thread signs for another signer (after a key rotation).
class ThreadContext {
 public:
  ThreadContext() = default;
  ~ThreadContext() { EVP_MD_CTX_free(context_); }
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;

  EVP_MD_CTX* readyFor(std::uint64_t generation, EVP_PKEY* key) {
    if (context_ != nullptr && generation_ == generation) return context_;
    EVP_MD_CTX_free(context_);
    context_ = EVP_MD_CTX_new();
    generation_ = 0;
    if (context_ == nullptr) throw std::bad_alloc();
    if (EVP_DigestSignInit(context_, nullptr, nullptr, nullptr, key) != 1) {
      throw std::runtime_error("OpenSSL cannot set up an Ed25519 signing context");
    }
    generation_ = generation;
    return context_;
  }
  void discard() { generation_ = 0; }

 private:
  EVP_MD_CTX* context_ = nullptr;
  std::uint64_t generation_ = 0;
};

thread_local ThreadContext threadContext;

}  // namespace

AnswerSigner::AnswerSigner(std::string keyId, Ed25519PrivateKey key)
    : keyId_(std::move(keyId)),
      openSslKey_(std::make_shared<const OpenSslKey>(openSslKeyOf(key))),
      generation_(nextGeneration.fetch_add(1)),
      encodedHeader_(encodedHeaderOf(keyId_)) {}

AnswerSigner::AnswerSigner(const SigningConfig& config)
    : AnswerSigner(config.signingKeyId, config.signingKey) {}

std::string AnswerSigner::sign(std::string_view body) const {
  // One buffer for the signing input: Ed25519 hashes the whole message twice, so it cannot be
  // streamed; the header part is the precomputed text.
  std::string input;
  input.reserve(encodedHeader_.size() + 1 + (body.size() * 4 + 2) / 3);
  input.append(encodedHeader_).push_back('.');
  input.append(base64UrlEncode(body));
  unsigned char signature[Ed25519PublicKey::kSignatureSize];
  std::size_t length = sizeof signature;
  auto* context = threadContext.readyFor(generation_, openSslKey_->pkey);
  if (EVP_DigestSign(context, signature, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1 ||
      length != sizeof signature) {
    threadContext.discard();  // made afresh next time
    throw std::runtime_error("OpenSSL could not make an Ed25519 signature");
  }
  const auto encoded =
      base64UrlEncode(std::string_view(reinterpret_cast<const char*>(signature), length));
  std::string value;
  value.reserve(encodedHeader_.size() + 2 + encoded.size());
  value.append(encodedHeader_).append("..").append(encoded);
  return value;
}

}  // namespace oncegate
