#pragma once

#include <string>

#include "gateway/http/TlsMaterial.h"

struct ssl_ctx_st;
struct ssl_st;

namespace oncegate {

// One server-side TLS configuration (OpenSSL SSL_CTX) built from PEM text: TLS 1.2 and 1.3 only,
// TLS 1.2 limited to ECDHE key exchange with AEAD ciphers, no compression, no renegotiation, the
// server's cipher order. With a client CA, clients are asked for a certificate and one that does
// not verify fails the handshake; one without a certificate still connects (it may use an API
// key). Immutable once built: a reload builds a new one and new connections take it.
class TlsServerContext {
 public:
  // Throws Error(InvalidConfig) saying what is wrong with the material (unreadable PEM, a key
  // that does not match the certificate, an expired certificate, a client CA without a
  // certificate).
  explicit TlsServerContext(const TlsMaterial& material);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  ssl_ctx_st* native() const { return context_; }
  bool asksForClientCertificates() const { return asksForClientCertificates_; }

  // After a completed handshake: the SHA-256 of the DER of the client's certificate, as 64
  // lower-case hex digits, when it sent one and it verified against the client CA; else empty.
  static std::string verifiedPeerSha256(ssl_st* connection);

 private:
  ssl_ctx_st* context_ = nullptr;
  bool asksForClientCertificates_ = false;
};

}  // namespace oncegate
