// oncegatectl hash-key: makes an API key or admin token and the hash that goes into the
// configuration (api_key_sha256, token_sha256); the key itself is never stored anywhere.

#include <openssl/rand.h>

#include <array>

#include "common/Digest.h"
#include "common/Error.h"
#include "gateway/cli/CtlCommand.h"

namespace oncegate {

namespace {

constexpr std::string_view kUsage =
    "usage: oncegatectl hash-key [--key KEY]\n"
    "Makes a random key (32 bytes from the system's CSPRNG, base64url, prefixed \"og_\") unless\n"
    "--key is given, and prints the key and its SHA-256: put the hash into api_key_sha256 (a\n"
    "client) or token_sha256 (an admin token), give the key to its holder, keep no copy.\n"
    "Exit status: 0 done, 1 no random bytes, 2 usage error.\n";

constexpr std::string_view kKeyPrefix = "og_";
constexpr std::size_t kKeyBytes = 32;

// Base64url without padding (RFC 4648 section 5): safe in headers, URLs and YAML.
std::string base64url(const unsigned char* data, std::size_t size) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const unsigned bits = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(bits >> shift) & 0x3f];
  }
  const std::size_t rest = size - i;
  if (rest > 0) {
    unsigned bits = data[i] << 16;
    if (rest == 2) bits |= data[i + 1] << 8;
    out += kAlphabet[(bits >> 18) & 0x3f];
    out += kAlphabet[(bits >> 12) & 0x3f];
    if (rest == 2) out += kAlphabet[(bits >> 6) & 0x3f];
  }
  return out;
}

int runHashKey(const CtlArguments& arguments, std::ostream& out, std::ostream& err) {
  std::string key;
  if (auto given = arguments.option("key")) {
    if (given->empty()) throw Error(ErrorCode::BadRequest, "--key must not be empty");
    key = std::move(*given);
  } else {
    std::array<unsigned char, kKeyBytes> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
      err << "the system's random generator gave no bytes: no key made\n";
      return kCtlExitFailed;
    }
    key = std::string(kKeyPrefix) + base64url(random.data(), random.size());
  }
  out << "key:    " << key << "\n"
      << "sha256: " << sha256Hex(key) << "\n";
  return kCtlExitOk;
}

}  // namespace

CtlCommand hashKeyCommand() {
  return CtlCommand{"hash-key", "make an API key or admin token and print its SHA-256",
                    kUsage,     {"key"},
                    0,          runHashKey};
}

}  // namespace oncegate
