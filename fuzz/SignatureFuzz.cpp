// What a verifier reads from outside: a JWKS (a file, or fetched from a URL) and an
// Oncegate-Signature value (saved beside an answer). On any bytes:
// - as a JWKS, the parser refuses with Error(BadRequest) or yields keys that render and parse
//   back to the same ids and keys;
// - as a signature, the verifier never calls it valid unless it is the signature the key made
//   over that body, and it says why whenever it refuses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/Ed25519PrivateKey.h"
#include "common/Error.h"
#include "fuzz/FuzzProperty.h"
#include "gateway/signing/AnswerSigner.h"
#include "gateway/signing/DetachedJwsVerifier.h"
#include "gateway/signing/JsonWebKeySet.h"

namespace oncegate {
namespace {

void checkKeySet(const std::string& text) {
  JsonWebKeySet keys;
  try {
    keys = JsonWebKeySet::parse(text);
  } catch (const Error& error) {
    fuzzRequire(error.code() == ErrorCode::BadRequest, "a refused key set is a BadRequest");
    fuzzRequire(!error.message().empty(), "a refusal says what is wrong");
    return;
  }
  const auto again = JsonWebKeySet::parse(keys.render());
  fuzzRequire(again.keys().size() == keys.keys().size(), "a key set renders every key");
  for (std::size_t i = 0; i < keys.keys().size(); ++i) {
    fuzzRequire(!keys.keys()[i].id.empty(), "every key has an id");
    fuzzRequire(again.keys()[i].id == keys.keys()[i].id, "ids survive a round trip");
    fuzzRequire(again.keys()[i].publicKey.raw() == keys.keys()[i].publicKey.raw(),
                "keys survive a round trip");
  }
}

void checkSignature(const std::string& text) {
  static const Ed25519PrivateKey key = Ed25519PrivateKey::generate();
  static const AnswerSigner signer("fuzz", key);
  static const std::string body = R"({"request_id":"r-1","fields":{}})";
  static const std::string genuine = signer.sign(body);
  static const DetachedJwsVerifier verifier(JsonWebKeySet({{"fuzz", key.publicKey()}}));
  const auto result = verifier.verify(body, text);
  if (result.verdict == DetachedJwsVerifier::Verdict::Valid) {
    // Ed25519 signatures are deterministic and the encodings strict: one valid value per body.
    fuzzRequire(text == genuine, "only the key's own signature of the body is valid");
  } else {
    fuzzRequire(!result.reason.empty(), "a refusal says why");
  }
  fuzzRequire(verifier.verify(body, genuine).verdict == DetachedJwsVerifier::Verdict::Valid,
              "the genuine signature stays valid");
}

}  // namespace
}  // namespace oncegate

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  oncegate::checkKeySet(text);
  oncegate::checkSignature(text);
  return 0;
}
