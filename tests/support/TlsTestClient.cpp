#include "TlsTestClient.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace oncegate::testing {

namespace {

constexpr int kTimeoutSeconds = 5;

std::string lastError() {
  std::array<char, 256> text{};
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error";
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

X509* certificateOf(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return certificate;
}

// The Content-Length of an answer head (lower-cased search), or 0.
std::size_t contentLength(const std::string& head) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return static_cast<std::size_t>(std::stoul(lower.substr(at + 17)));
}

}  // namespace

TlsTestClient::TlsTestClient(std::uint16_t port, const Options& options) {
  context_ = SSL_CTX_new(TLS_client_method());
  switch (options.version) {
    case Version::Any:
      break;
    case Version::Tls11:
      // OpenSSL 3 refuses TLS 1.1 at its default security level even as a client.
      SSL_CTX_set_security_level(context_, 0);
      SSL_CTX_set_cipher_list(context_, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(context_, TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(context_, TLS1_1_VERSION);
      break;
    case Version::Tls12:
      SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(context_, TLS1_2_VERSION);
      break;
    case Version::Tls13:
      SSL_CTX_set_min_proto_version(context_, TLS1_3_VERSION);
      SSL_CTX_set_max_proto_version(context_, TLS1_3_VERSION);
      break;
  }
  if (!options.trustedCaPem.empty()) {
    X509* authority = certificateOf(options.trustedCaPem);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(context_), authority);
    X509_free(authority);
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.certificatePem.empty()) {
    X509* certificate = certificateOf(options.certificatePem);
    SSL_CTX_use_certificate(context_, certificate);
    X509_free(certificate);
    BIO* bio = BIO_new_mem_buf(options.keyPem.data(), static_cast<int>(options.keyPem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    SSL_CTX_use_PrivateKey(context_, key);
    EVP_PKEY_free(key);
  }
  socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{kTimeoutSeconds, 0};
  ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    error_ = "connect failed";
    return;
  }
  connection_ = SSL_new(context_);
  SSL_set_fd(connection_, socket_);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection_), "127.0.0.1");
  if (SSL_connect(connection_) != 1) {
    error_ = "handshake failed: " + lastError();
    return;
  }
  connected_ = true;
}

TlsTestClient::~TlsTestClient() {
  if (connection_ != nullptr) SSL_free(connection_);
  if (socket_ >= 0) ::close(socket_);
  SSL_CTX_free(context_);
}

std::string TlsTestClient::protocol() const {
  return connection_ != nullptr ? SSL_get_version(connection_) : "";
}

std::string TlsTestClient::serverCertificateSha256() const {
  if (!connected_) return {};
  X509* peer = SSL_get0_peer_certificate(connection_);
  if (peer == nullptr) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  X509_digest(peer, EVP_sha256(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::string TlsTestClient::exchange(const std::string& request) {
  if (!connected_) return {};
  if (SSL_write(connection_, request.data(), static_cast<int>(request.size())) <= 0) return {};
  std::string& text = pending_;
  std::array<char, 16384> chunk{};
  std::size_t headEnd = std::string::npos;
  for (;;) {
    if (headEnd == std::string::npos) {
      headEnd = text.find("\r\n\r\n");
    }
    if (headEnd != std::string::npos) {
      const auto total = headEnd + 4 + contentLength(text.substr(0, headEnd));
      if (text.size() >= total) {
        std::string answer = text.substr(0, total);
        text.erase(0, total);
        return answer;
      }
    }
    const int count = SSL_read(connection_, chunk.data(), static_cast<int>(chunk.size()));
    if (count <= 0) {
      text.clear();
      return {};
    }
    text.append(chunk.data(), static_cast<std::size_t>(count));
  }
}

std::string TlsTestClient::get(const std::string& path, const std::string& bearer) {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  return exchange(request + "\r\n");
}

std::string TlsTestClient::post(const std::string& path, const std::string& body,
                                const std::string& bearer) {
  std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return exchange(request);
}

}  // namespace oncegate::testing
