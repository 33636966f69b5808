#pragma once

#include <string>
#include <string_view>

#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate {

// Checks an Oncegate-Signature value (a detached compact JWS, RFC 7515 appendix F, alg EdDSA)
// against the exact bytes of the answer it came with, using the key its "kid" names.
class DetachedJwsVerifier {
 public:
  enum class Verdict {
    Valid,
    Malformed,     // not "<header>..<signature>", or a header that is not the JSON expected
    Unsupported,   // an algorithm other than EdDSA, or a "crit" extension
    UnknownKey,    // no key with the header's kid
    BadSignature,  // the signature does not match this body with that key
  };
  struct Result {
    Verdict verdict = Verdict::Malformed;
    std::string keyId;   // the header's kid, once read
    std::string reason;  // for a person: why it is not valid (empty when valid)
  };

  explicit DetachedJwsVerifier(JsonWebKeySet keys) : keys_(std::move(keys)) {}

  Result verify(std::string_view body, std::string_view signature) const;

 private:
  JsonWebKeySet keys_;
};

}  // namespace oncegate
