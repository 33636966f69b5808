#include "common/Digest.h"

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

  static Sha256& forThisThread() {
    thread_local Sha256 instance;
    return instance;
  }

 private:
  EVP_MD_CTX* context_;
};

}  // namespace

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, kSha256Size> digest{};
  Sha256::forThisThread().begin().add(data.data(), data.size()).end(digest.data());
  return toHex(digest.data(), digest.size());
}

// HMAC (RFC 2104) over the same reused SHA-256 context.
std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  auto& sha = Sha256::forThisThread();
  std::array<unsigned char, kSha256Block> block{};
  if (key.size() > kSha256Block) {
    sha.begin().add(key.data(), key.size()).end(block.data());
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<unsigned char, kSha256Block> pad{};
  for (std::size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x36;
  std::array<unsigned char, kSha256Size> inner{};
  sha.begin().add(pad.data(), pad.size()).add(data.data(), data.size()).end(inner.data());
  for (std::size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x5c;
  std::array<unsigned char, kSha256Size> outer{};
  sha.begin().add(pad.data(), pad.size()).add(inner.data(), inner.size()).end(outer.data());
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
