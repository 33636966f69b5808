#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/Base64Url.h"
#include "gateway/signing/AnswerSigner.h"
#include "gateway/signing/DetachedJwsVerifier.h"
#include "tests/gateway/signing/SigningTestKeys.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using namespace signing_test;
using Verdict = DetachedJwsVerifier::Verdict;

const std::string kBody = R"({"request_id":"r1","issued_at":"2026-12-05T01:02:03.456Z"})";

class DetachedJwsVerifierTest : public ::testing::Test {
 protected:
  Ed25519PrivateKey current_ = Ed25519PrivateKey::generate();
  Ed25519PrivateKey retired_ = Ed25519PrivateKey::fromPem(kRfcPrivatePem);
  DetachedJwsVerifier verifier_{
      JsonWebKeySet({{"2026-12", current_.publicKey()}, {"2026-06", retired_.publicKey()}})};
};

TEST_F(DetachedJwsVerifierTest, AcceptsAnswersOfTheCurrentAndOfARetiredKey) {
  for (const auto& [id, key] : {std::pair{"2026-12", current_}, std::pair{"2026-06", retired_}}) {
    const auto result = verifier_.verify(kBody, AnswerSigner(id, key).sign(kBody));
    EXPECT_EQ(result.verdict, Verdict::Valid) << result.reason;
    EXPECT_EQ(result.keyId, id);
  }
}

TEST_F(DetachedJwsVerifierTest, RefusesAChangedBodyOrSignature) {
  const auto signature = AnswerSigner("2026-12", current_).sign(kBody);
  auto body = kBody;
  body[15] = 'X';
  EXPECT_EQ(verifier_.verify(body, signature).verdict, Verdict::BadSignature);
  EXPECT_EQ(verifier_.verify(kBody + " ", signature).verdict, Verdict::BadSignature);
  // Every character of the signature part, changed to another of the alphabet.
  const auto start = signature.find("..") + 2;
  for (auto i = start; i < signature.size(); ++i) {
    auto changed = signature;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    const auto verdict = verifier_.verify(kBody, changed).verdict;
    EXPECT_TRUE(verdict == Verdict::BadSignature || verdict == Verdict::Malformed) << i;
  }
  // Signed by the retired key but naming the current one.
  const auto other = AnswerSigner("2026-06", retired_).sign(kBody);
  const auto forged = signature.substr(0, start) + other.substr(other.find("..") + 2);
  EXPECT_EQ(verifier_.verify(kBody, forged).verdict, Verdict::BadSignature);
}

TEST_F(DetachedJwsVerifierTest, RefusesAnUnknownKeyId) {
  const auto result = verifier_.verify(kBody, AnswerSigner("2025-01", current_).sign(kBody));
  EXPECT_EQ(result.verdict, Verdict::UnknownKey);
  EXPECT_EQ(result.keyId, "2025-01");
  EXPECT_THAT(result.reason, HasSubstr("'2025-01'"));
}

TEST_F(DetachedJwsVerifierTest, RefusesOtherAlgorithmsAndCriticalExtensions) {
  const auto signature = AnswerSigner("2026-12", current_).sign(kBody);
  const auto tail = signature.substr(signature.find('.'));
  for (const auto* header :
       {R"({"alg":"none","kid":"2026-12"})", R"({"alg":"HS256","kid":"2026-12"})",
        R"({"alg":"EdDSA","kid":"2026-12","crit":["b64"],"b64":false})"}) {
    EXPECT_EQ(verifier_.verify(kBody, base64UrlEncode(header) + tail).verdict, Verdict::Unsupported)
        << header;
  }
}

TEST_F(DetachedJwsVerifierTest, RefusesWhatIsNotADetachedCompactJws) {
  const auto signature = AnswerSigner("2026-12", current_).sign(kBody);
  const auto header = signature.substr(0, signature.find('.'));
  const auto sig = signature.substr(signature.find("..") + 2);
  for (const auto& text :
       {std::string(), std::string("abc"), header + "." + sig, header + "..." + sig,
        // the attached form: the payload part is not empty
        header + "." + base64UrlEncode(kBody) + "." + sig,
        // a header that is not base64url, or not JSON, or lacks kid
        "eyJ+" + signature.substr(signature.find('.')), base64UrlEncode("[1]") + ".." + sig,
        base64UrlEncode(R"({"alg":"EdDSA"})") + ".." + sig, header + "..not*base64"}) {
    EXPECT_EQ(verifier_.verify(kBody, text).verdict, Verdict::Malformed) << text;
  }
}

}  // namespace
}  // namespace oncegate
