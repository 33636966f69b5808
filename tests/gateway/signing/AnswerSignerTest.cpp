#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/Base64Url.h"
#include "gateway/signing/AnswerSigner.h"
#include "tests/gateway/signing/SigningTestKeys.h"

namespace oncegate {
namespace {

using namespace signing_test;

// RFC 8037 appendix A.4: the JWS of "Example of Ed25519 signing" with the A.1 key. Ed25519 is
// deterministic, so the same input gives exactly this signature.
constexpr std::string_view kRfcHeader = "eyJhbGciOiJFZERTQSJ9";  // {"alg":"EdDSA"}
constexpr std::string_view kRfcPayload = "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view kRfcSignature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

TEST(AnswerSignerTest, ReproducesTheJwsOfRfc8037AppendixA4) {
  const auto key = Ed25519PrivateKey::fromPem(kRfcPrivatePem);
  EXPECT_EQ(base64UrlEncode(key.publicKey().raw()), kRfcX);
  EXPECT_EQ(base64UrlEncode(R"({"alg":"EdDSA"})"), kRfcHeader);
  EXPECT_EQ(base64UrlEncode("Example of Ed25519 signing"), kRfcPayload);
  const auto input = std::string(kRfcHeader) + "." + std::string(kRfcPayload);
  EXPECT_EQ(base64UrlEncode(key.sign(input)), kRfcSignature);
}

TEST(AnswerSignerTest, SignsTheBodyAsADetachedJwsNamingItsKey) {
  const AnswerSigner signer("2026-12", Ed25519PrivateKey::fromPem(kRfcPrivatePem));
  const std::string body = R"({"request_id":"r1","fields":{}})";
  const auto value = signer.sign(body);

  const auto firstDot = value.find('.');
  ASSERT_NE(firstDot, std::string::npos);
  ASSERT_EQ(value.substr(firstDot, 2), "..") << "the payload part of a detached JWS is empty";
  const auto header = value.substr(0, firstDot);
  EXPECT_EQ(base64UrlDecode(header), R"({"alg":"EdDSA","kid":"2026-12"})");
  const auto signature = base64UrlDecode(value.substr(firstDot + 2));
  ASSERT_TRUE(signature);
  const auto publicKey = Ed25519PublicKey::fromPem(kRfcPublicPem);
  EXPECT_TRUE(publicKey.verify(header + "." + base64UrlEncode(body), *signature));
  EXPECT_FALSE(publicKey.verify(header + "." + base64UrlEncode(body + " "), *signature));
  // Deterministic: the same body, the same value.
  EXPECT_EQ(signer.sign(body), value);
}

TEST(AnswerSignerTest, EscapesTheKeyIdInItsHeader) {
  const AnswerSigner signer("a\"b", Ed25519PrivateKey::generate());
  const auto value = signer.sign("{}");
  EXPECT_EQ(base64UrlDecode(value.substr(0, value.find('.'))), R"({"alg":"EdDSA","kid":"a\"b"})");
}

// Signers that take turns on one thread (answers begun before a key rotation finishing beside
// those begun after) and threads that sign at once each get their own key's signatures.
TEST(AnswerSignerTest, SignersTakingTurnsAndThreadsSigningAtOnceEachSignWithTheirKey) {
  const auto firstKey = Ed25519PrivateKey::generate();
  const auto secondKey = Ed25519PrivateKey::generate();
  const AnswerSigner first("first", firstKey);
  const AnswerSigner second("second", secondKey);
  const auto check = [](const AnswerSigner& signer, const Ed25519PublicKey& key,
                        const std::string& body) {
    const auto value = signer.sign(body);
    const auto dot = value.find('.');
    const auto signature = base64UrlDecode(value.substr(dot + 2));
    return signature && key.verify(value.substr(0, dot) + "." + base64UrlEncode(body), *signature);
  };
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(check(first, firstKey.publicKey(), "body " + std::to_string(i)));
    EXPECT_TRUE(check(second, secondKey.publicKey(), "body " + std::to_string(i)));
  }
  std::vector<std::thread> threads;
  std::vector<int> valid(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto& signer = t % 2 == 0 ? first : second;
      const auto& key = t % 2 == 0 ? firstKey.publicKey() : secondKey.publicKey();
      for (int i = 0; i < 50; ++i) valid[t] += check(signer, key, std::to_string(t * 100 + i));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(valid, std::vector<int>(4, 50));
}

}  // namespace
}  // namespace oncegate
