#include "TestCertificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <atomic>
#include <stdexcept>

namespace oncegate::testing {

namespace {

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;

std::shared_ptr<EVP_PKEY> newKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return {key, EVP_PKEY_free};
}

void addExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw std::runtime_error("bad certificate extension");
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

std::string pemOf(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return text;
}

}  // namespace

TestCertificate TestCertificate::authority(const std::string& name) {
  TestCertificate made;
  made.key_ = newKey();
  made.certificate_ = std::shared_ptr<X509>(X509_new(), X509_free);
  X509* certificate = made.certificate_.get();
  static std::atomic<long> serial{1};
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -kHour);
  X509_gmtime_adj(X509_getm_notAfter(certificate), kDay);
  X509_NAME* subject = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate, subject);
  X509_set_pubkey(certificate, made.key_.get());
  addExtension(certificate, certificate, NID_basic_constraints, "critical,CA:TRUE");
  addExtension(certificate, certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
  X509_sign(certificate, made.key_.get(), EVP_sha256());
  return made;
}

TestCertificate TestCertificate::issued(const TestCertificate& issuer, const std::string& name,
                                        Use use, bool expired) {
  TestCertificate made;
  made.key_ = newKey();
  made.certificate_ = std::shared_ptr<X509>(X509_new(), X509_free);
  X509* certificate = made.certificate_.get();
  static std::atomic<long> serial{1000};
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
  X509_gmtime_adj(X509_getm_notBefore(certificate), expired ? -2 * kDay : -kHour);
  X509_gmtime_adj(X509_getm_notAfter(certificate), expired ? -kDay : kDay);
  X509_NAME* subject = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate, X509_get_subject_name(issuer.certificate_.get()));
  X509_set_pubkey(certificate, made.key_.get());
  addExtension(certificate, issuer.certificate_.get(), NID_basic_constraints, "critical,CA:FALSE");
  if (use == Use::Server) {
    addExtension(certificate, issuer.certificate_.get(), NID_subject_alt_name, "IP:127.0.0.1");
    addExtension(certificate, issuer.certificate_.get(), NID_ext_key_usage, "serverAuth");
  } else {
    addExtension(certificate, issuer.certificate_.get(), NID_ext_key_usage, "clientAuth");
  }
  X509_sign(certificate, issuer.key_.get(), EVP_sha256());
  return made;
}

std::string TestCertificate::certificatePem() const {
  return pemOf([](BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); },
               certificate_.get());
}

std::string TestCertificate::keyPem() const {
  return pemOf(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      key_.get());
}

std::string TestCertificate::sha256() const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  X509_digest(certificate_.get(), EVP_sha256(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace oncegate::testing
