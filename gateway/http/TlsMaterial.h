#pragma once

#include <string>

namespace oncegate {

// gateway.yaml `tls:` as PEM text, read and expanded by the configuration: the certificate (its
// chain may follow it), its private key and, for mutual TLS, the CAs that sign client
// certificates (empty: clients are not asked for one).
struct TlsMaterial {
  std::string certificatePem;
  std::string keyPem;
  std::string clientCaPem;
};

}  // namespace oncegate
