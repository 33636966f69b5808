#pragma once

#include <memory>
#include <string>

struct x509_st;
struct evp_pkey_st;

namespace oncegate::testing {

// A certificate and its key made by the test itself (EC P-256, OpenSSL's C API): an authority,
// or one it issued for a server (127.0.0.1 as IP subject alternative name) or a client.
class TestCertificate {
 public:
  enum class Use { Server, Client };

  // A self-signed CA.
  static TestCertificate authority(const std::string& name);
  // Signed by `issuer`, valid from an hour ago for a day, or, when `expired`, valid from two
  // days ago until yesterday.
  static TestCertificate issued(const TestCertificate& issuer, const std::string& name, Use use,
                                bool expired = false);

  std::string certificatePem() const;
  std::string keyPem() const;
  // SHA-256 of the certificate's DER, 64 lower-case hex digits (what cert_sha256 holds).
  std::string sha256() const;

 private:
  std::shared_ptr<x509_st> certificate_;
  std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace oncegate::testing
