#include "gateway/signing/AnswerSigner.h"

#include "common/Base64Url.h"
#include "common/JsonWriter.h"
#include "gateway/signing/SigningConfig.h"

namespace oncegate {

namespace {

std::string encodedHeaderOf(std::string_view keyId) {
  std::string header;
  JsonWriter json(header);
  json.beginObject().key("alg").string("EdDSA").key("kid").string(keyId).endObject();
  return base64UrlEncode(header);
}

}  // namespace

AnswerSigner::AnswerSigner(std::string keyId, Ed25519PrivateKey key)
    : keyId_(std::move(keyId)), key_(std::move(key)), encodedHeader_(encodedHeaderOf(keyId_)) {}

AnswerSigner::AnswerSigner(const SigningConfig& config)
    : AnswerSigner(config.signingKeyId, config.signingKey) {}

std::string AnswerSigner::sign(std::string_view body) const {
  // One buffer for the signing input: Ed25519 hashes the whole message twice, so it cannot be
  // streamed; the header part is the precomputed text.
  std::string input;
  input.reserve(encodedHeader_.size() + 1 + (body.size() * 4 + 2) / 3);
  input.append(encodedHeader_).push_back('.');
  appendBase64Url(body, input);
  const auto signature = key_.sign(input);
  std::string value;
  value.reserve(encodedHeader_.size() + 2 + (signature.size() * 4 + 2) / 3);
  value.append(encodedHeader_).append("..");
  appendBase64Url(signature, value);
  return value;
}

}  // namespace oncegate
