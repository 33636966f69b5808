#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace oncegate::testing {

// A blocking TLS client over one loopback connection (OpenSSL's C API): connects and shakes hands
// at construction, then sends requests and reads answers on the same connection (keep-alive).
// Every wait is bounded by a socket timeout.
class TlsTestClient {
 public:
  enum class Version { Any, Tls11, Tls12, Tls13 };
  struct Options {
    std::string trustedCaPem;    // the server's certificate must verify against it
    std::string certificatePem;  // a client certificate (with keyPem), or empty
    std::string keyPem;
    Version version = Version::Any;  // Any: whatever both sides support
  };

  TlsTestClient(std::uint16_t port, const Options& options);
  ~TlsTestClient();
  TlsTestClient(const TlsTestClient&) = delete;
  TlsTestClient& operator=(const TlsTestClient&) = delete;

  // Whether the handshake completed; else error() says why.
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  std::string protocol() const;  // "TLSv1.2", "TLSv1.3"
  // SHA-256 of the certificate the server presented (64 lower-case hex).
  std::string serverCertificateSha256() const;

  // Sends `request` as it is and reads one answer (head and Content-Length body); empty when
  // the connection closed or timed out first.
  std::string exchange(const std::string& request);
  // A GET with Host and optional bearer token.
  std::string get(const std::string& path, const std::string& bearer = {});
  std::string post(const std::string& path, const std::string& body,
                   const std::string& bearer = {});

 private:
  int socket_ = -1;
  ssl_ctx_st* context_ = nullptr;
  ssl_st* connection_ = nullptr;
  bool connected_ = false;
  std::string error_;
  std::string pending_;  // bytes read past the last answer
};

}  // namespace oncegate::testing
