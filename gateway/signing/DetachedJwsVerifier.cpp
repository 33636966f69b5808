#include "gateway/signing/DetachedJwsVerifier.h"

#include <simdjson.h>

#include "common/Base64Url.h"

namespace oncegate {

namespace {

using Verdict = DetachedJwsVerifier::Verdict;

DetachedJwsVerifier::Result refused(Verdict verdict, std::string reason, std::string keyId = {}) {
  return {verdict, std::move(keyId), std::move(reason)};
}

}  // namespace

DetachedJwsVerifier::Result DetachedJwsVerifier::verify(std::string_view body,
                                                        std::string_view signature) const {
  const auto firstDot = signature.find('.');
  const auto secondDot =
      firstDot == std::string_view::npos ? firstDot : signature.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos ||
      signature.find('.', secondDot + 1) != std::string_view::npos) {
    return refused(Verdict::Malformed, "not a compact JWS (three parts separated by dots)");
  }
  if (secondDot != firstDot + 1) {
    return refused(Verdict::Malformed,
                   "not a detached JWS: its payload part is not empty (the body travels apart)");
  }
  const auto encodedHeader = signature.substr(0, firstDot);
  const auto header = base64UrlDecode(encodedHeader);
  const auto signatureBytes = base64UrlDecode(signature.substr(secondDot + 1));
  if (!header || !signatureBytes) {
    return refused(Verdict::Malformed, "a part of the JWS is not base64url");
  }
  simdjson::dom::parser parser;
  simdjson::dom::object fields;
  if (parser.parse(simdjson::padded_string(*header)).get(fields) != simdjson::SUCCESS) {
    return refused(Verdict::Malformed, "the JWS header is not a JSON object");
  }
  std::string_view alg;
  std::string_view kid;
  if (fields["alg"].get(alg) != simdjson::SUCCESS || fields["kid"].get(kid) != simdjson::SUCCESS) {
    return refused(Verdict::Malformed, "the JWS header lacks \"alg\" or \"kid\"");
  }
  std::string keyId(kid);
  if (alg != "EdDSA") {
    return refused(Verdict::Unsupported,
                   "the JWS algorithm is '" + std::string(alg) + "', not EdDSA", keyId);
  }
  // RFC 7515 section 4.1.11: an extension the verifier does not know makes the JWS invalid.
  if (fields["crit"].error() != simdjson::NO_SUCH_FIELD) {
    return refused(Verdict::Unsupported, "the JWS header names critical extensions", keyId);
  }
  const auto* key = keys_.find(kid);
  if (key == nullptr) {
    return refused(Verdict::UnknownKey, "no published key has the id '" + keyId + "'", keyId);
  }
  std::string input;
  input.reserve(encodedHeader.size() + 1 + (body.size() * 4 + 2) / 3);
  input.append(encodedHeader).push_back('.');
  input.append(base64UrlEncode(body));
  if (!key->verify(input, *signatureBytes)) {
    return refused(Verdict::BadSignature,
                   "the signature does not match this body with key '" + keyId +
                       "': the body or the signature was changed",
                   keyId);
  }
  return {Verdict::Valid, std::move(keyId), {}};
}

}  // namespace oncegate
