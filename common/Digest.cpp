#include "common/Digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace oncegate {

namespace {

constexpr std::size_t kSha256Size = 32;
constexpr std::size_t kSha256Block = 64;

std::string toHex(const unsigned char* bytes, std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length * 2, '\0');
  for (std::size_t i = 0; i < length; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

// These digests run several times per request. OpenSSL 3's one-shot SHA256() and HMAC() look
// the algorithm up and allocate contexts on every call, which cost more than the hashing; here
// the algorithm is fetched once per process and each thread reuses one context.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr) throw std::bad_alloc();
  }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& begin() {
    static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (algorithm == nullptr || EVP_DigestInit_ex(context_, algorithm, nullptr) != 1) {
      throw std::runtime_error("OpenSSL cannot initialise SHA-256");
    }
    return *this;
  }
  Sha256& add(const void* data, std::size_t size) {
    EVP_DigestUpdate(context_, data, size);
    return *this;
  }
  void end(unsigned char* out) {
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, out, &length);
  }

  // Continues from a context that has absorbed some blocks already (HmacKeyState's).
  Sha256& resumeFrom(const EVP_MD_CTX* absorbed) {
    if (EVP_MD_CTX_copy_ex(context_, absorbed) != 1) {
      throw std::runtime_error("OpenSSL cannot copy a SHA-256 context");
    }
    return *this;
  }
  EVP_MD_CTX* context() { return context_; }

  static Sha256& forThisThread() {
    thread_local Sha256 instance;
    return instance;
  }

 private:
  EVP_MD_CTX* context_;
};

// One HMAC key made ready: contexts that have absorbed its inner and outer padded blocks.
class HmacKeyState {
 public:
  HmacKeyState() : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
    if (inner_ == nullptr || outer_ == nullptr) throw std::bad_alloc();
  }
  ~HmacKeyState() {
    OPENSSL_cleanse(key_.data(), key_.size());
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
  }
  HmacKeyState(const HmacKeyState&) = delete;
  HmacKeyState& operator=(const HmacKeyState&) = delete;

  bool holds(std::string_view key) const { return ready_ && key == key_; }

  void absorb(std::string_view key, Sha256& sha) {
    ready_ = false;
    std::array<unsigned char, kSha256Block> block{};
    if (key.size() > kSha256Block) {
      sha.begin().add(key.data(), key.size()).end(block.data());
    } else {
      std::memcpy(block.data(), key.data(), key.size());
    }
    std::array<unsigned char, kSha256Block> pad{};
    for (std::size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x36;
    sha.begin().add(pad.data(), pad.size());
    copyInto(inner_, sha);
    for (std::size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x5c;
    sha.begin().add(pad.data(), pad.size());
    copyInto(outer_, sha);
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(pad.data(), pad.size());
    OPENSSL_cleanse(key_.data(), key_.size());
    key_.assign(key);
    ready_ = true;
  }

  const EVP_MD_CTX* inner() const { return inner_; }
  const EVP_MD_CTX* outer() const { return outer_; }

 private:
  static void copyInto(EVP_MD_CTX* to, Sha256& from) {
    if (EVP_MD_CTX_copy_ex(to, from.context()) != 1) {
      throw std::runtime_error("OpenSSL cannot copy a SHA-256 context");
    }
  }

  EVP_MD_CTX* inner_;
  EVP_MD_CTX* outer_;
  std::string key_;  // the key these contexts are for (the process holds it anyway)
  bool ready_ = false;
};

}  // namespace

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, kSha256Size> digest{};
  Sha256::forThisThread().begin().add(data.data(), data.size()).end(digest.data());
  return toHex(digest.data(), digest.size());
}

// HMAC (RFC 2104) over the same reused SHA-256 context. The key's two padded blocks are absorbed
// once per thread and key and copied from there: every cache key is an HMAC under the same
// hash_key, and starting two digests and hashing those blocks cost more than the rest (a copied
// context is about a third of the time per HMAC with OpenSSL 3).
std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  thread_local HmacKeyState prepared;
  auto& sha = Sha256::forThisThread();
  if (!prepared.holds(key)) prepared.absorb(key, sha);
  std::array<unsigned char, kSha256Size> inner{};
  sha.resumeFrom(prepared.inner()).add(data.data(), data.size()).end(inner.data());
  std::array<unsigned char, kSha256Size> outer{};
  sha.resumeFrom(prepared.outer()).add(inner.data(), inner.size()).end(outer.data());
  return toHex(outer.data(), outer.size());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace oncegate
