#pragma once

#include <string>
#include <string_view>

#include "common/Ed25519PrivateKey.h"

namespace oncegate {

struct SigningConfig;

// Signs answer bodies with the current key of `signing:`: the value of the Oncegate-Signature
// header, a detached compact JWS (RFC 7515 appendix F) with the protected header
// {"alg":"EdDSA","kid":"<id>"} (RFC 8037). Immutable, so every I/O thread signs with one signer.
class AnswerSigner {
 public:
  static constexpr std::string_view kHeaderName = "Oncegate-Signature";

  AnswerSigner(std::string keyId, Ed25519PrivateKey key);
  // The signer of `config`'s first key.
  explicit AnswerSigner(const SigningConfig& config);

  // "<b64url(header)>..<b64url(signature)>" over exactly `body`: the signing input is
  // b64url(header) "." b64url(body), so the body itself is not repeated in the header value.
  std::string sign(std::string_view body) const;

  const std::string& keyId() const { return keyId_; }

 private:
  std::string keyId_;
  Ed25519PrivateKey key_;
  // base64url of the protected header, made once: every answer of this key shares it.
  std::string encodedHeader_;
};

}  // namespace oncegate
