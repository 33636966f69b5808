#include "gateway/http/TlsServerContext.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "common/Error.h"

namespace oncegate {

namespace {

// TLS 1.2 suites with forward secrecy and authenticated encryption only (TLS 1.3's are all so).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Resumed sessions must carry the same client verification as the first handshake.
constexpr std::string_view kSessionIdContext = "oncegate";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

[[noreturn]] void fail(const std::string& what) {
  // OpenSSL's own reason helps the operator (a wrong passphrase, a truncated file).
  std::array<char, 256> reason{};
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  std::string message = what;
  if (code != 0) {
    ERR_error_string_n(code, reason.data(), reason.size());
    message += " (";
    message += reason.data();
    message += ")";
  }
  throw Error(ErrorCode::InvalidConfig, message);
}

std::unique_ptr<BIO, BioFree> readerOf(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate of a PEM text, in order.
std::vector<X509Ptr> certificatesOf(const std::string& pem) {
  std::vector<X509Ptr> certificates;
  auto reader = readerOf(pem);
  while (X509* certificate = PEM_read_bio_X509(reader.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(certificate);
  }
  ERR_clear_error();  // the end of the text reads as an error
  return certificates;
}

void loadCertificateAndKey(SSL_CTX* context, const TlsMaterial& material) {
  auto chain = certificatesOf(material.certificatePem);
  if (chain.empty()) fail("tls.cert holds no PEM certificate");
  if (X509_cmp_current_time(X509_get0_notAfter(chain.front().get())) <= 0) {
    fail("tls.cert has expired");
  }
  if (SSL_CTX_use_certificate(context, chain.front().get()) != 1) {
    fail("tls.cert cannot be used");
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(context, chain[i].get()) != 1) {
      fail("tls.cert: its chain certificate " + std::to_string(i) + " cannot be used");
    }
  }
  auto reader = readerOf(material.keyPem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(reader.get(), nullptr, nullptr, nullptr));
  if (!key) fail("tls.key holds no unencrypted PEM private key");
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    fail("tls.key does not match tls.cert");
  }
}

void loadClientAuthorities(SSL_CTX* context, const std::string& pem) {
  auto authorities = certificatesOf(pem);
  if (authorities.empty()) fail("tls.client_ca holds no PEM certificate");
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  for (const auto& authority : authorities) {
    if (X509_STORE_add_cert(store, authority.get()) != 1 ||
        SSL_CTX_add_client_CA(context, authority.get()) != 1) {
      fail("tls.client_ca: a certificate cannot be used");
    }
  }
  // Asked for, verified when sent, not required: systems without certificates use API keys.
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
}

}  // namespace

TlsServerContext::TlsServerContext(const TlsMaterial& material)
    : context_(SSL_CTX_new(TLS_server_method())) {
  if (context_ == nullptr) fail("cannot create a TLS context");
  try {
    SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
    SSL_CTX_set_options(context_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                      SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(context_, kTls12Ciphers) != 1) fail("no usable TLS 1.2 cipher");
    SSL_CTX_set_session_id_context(context_,
                                   reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                   static_cast<unsigned>(kSessionIdContext.size()));
    loadCertificateAndKey(context_, material);
    if (!material.clientCaPem.empty()) {
      loadClientAuthorities(context_, material.clientCaPem);
      asksForClientCertificates_ = true;
    }
  } catch (...) {
    SSL_CTX_free(context_);
    throw;
  }
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(context_); }

std::string TlsServerContext::verifiedPeerSha256(ssl_st* connection) {
  X509* peer = SSL_get0_peer_certificate(connection);
  if (peer == nullptr || SSL_get_verify_result(connection) != X509_V_OK) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (X509_digest(peer, EVP_sha256(), digest.data(), &length) != 1) return {};
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace oncegate
