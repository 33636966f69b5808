#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "gateway/signing/JsonWebKeySet.h"
#include "gateway/signing/SigningConfig.h"
#include "tests/gateway/signing/SigningTestKeys.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using namespace signing_test;
using namespace std::chrono;

SigningConfig rotated() {
  return SigningConfig::parse(
      ConfigNode::parse(
          "keys:\n"
          "  - { id: new, private_key: \"" +
              std::string("-----BEGIN PRIVATE KEY-----\\n"
                          "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\\n"
                          "-----END PRIVATE KEY-----\\n") +
              "\" }\n"
              "  - { id: old, public_key: \"" +
              std::string("-----BEGIN PUBLIC KEY-----\\n"
                          "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\\n"
                          "-----END PUBLIC KEY-----\\n") +
              "\", publish_until: 2030-06-30 }\n",
          "gateway.yaml"),
      "/");
}

std::string jwk(const std::string& kid) {
  return R"({"kty":"OKP","crv":"Ed25519","x":")" + kRfcX + R"(","kid":")" + kid +
         R"(","alg":"EdDSA","use":"sig"})";
}

TEST(JsonWebKeySetTest, RendersTheJwksOfTheConfiguredKeys) {
  const auto keys = JsonWebKeySet::published(rotated(), sys_days(year(2030) / 6 / 30) + hours(23));
  EXPECT_EQ(keys.render(), R"({"keys":[)" + jwk("new") + "," + jwk("old") + "]}");
}

TEST(JsonWebKeySetTest, OmitsAKeyAfterItsPublishUntilDay) {
  const auto keys = JsonWebKeySet::published(rotated(), sys_days(year(2030) / 7 / 1));
  EXPECT_EQ(keys.render(), R"({"keys":[)" + jwk("new") + "]}");
  EXPECT_EQ(JsonWebKeySet::configured(rotated()).keys().size(), 2U);
}

TEST(JsonWebKeySetTest, ParsesWhatItRendersAndSkipsOtherKeyTypes) {
  const auto parsed =
      JsonWebKeySet::parse(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"rsa"},)" +
                           jwk("new") + R"(,{"kty":"OKP","crv":"X25519","x":"abc","kid":"dh"}]})");
  ASSERT_EQ(parsed.keys().size(), 1U);
  ASSERT_NE(parsed.find("new"), nullptr);
  EXPECT_EQ(parsed.find("new")->raw(), Ed25519PublicKey::fromPem(kRfcPublicPem).raw());
  EXPECT_EQ(parsed.find("rsa"), nullptr);
}

std::string refusal(const std::string& document) {
  try {
    JsonWebKeySet::parse(document);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.message();
  }
  ADD_FAILURE() << "accepted " << document;
  return {};
}

TEST(JsonWebKeySetTest, RefusesWhatIsNotAJwksOfUsableKeys) {
  EXPECT_THAT(refusal("not json"), HasSubstr("not JSON"));
  EXPECT_THAT(refusal(R"({"key":[]})"), HasSubstr("\"keys\""));
  EXPECT_THAT(refusal(R"({"keys":[{"crv":"Ed25519"}]})"), HasSubstr("\"kty\""));
  EXPECT_THAT(refusal(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + kRfcX + R"("}]})"),
              HasSubstr("no \"kid\""));
  // 31 bytes, and padding that a strict decoder refuses.
  EXPECT_THAT(refusal(R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":")" +
                      kRfcX.substr(0, 41) + R"("}]})"),
              HasSubstr("32 bytes"));
  EXPECT_THAT(
      refusal(R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":")" + kRfcX + R"(="}]})"),
      HasSubstr("32 bytes"));
}

}  // namespace
}  // namespace oncegate
