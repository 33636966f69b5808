#include <gtest/gtest.h>

#include "common/Base64Url.h"
#include "common/Ed25519PrivateKey.h"
#include "common/Error.h"

namespace oncegate {
namespace {

std::string fromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// RFC 8032 section 7.1, TEST 2 (one-byte message 0x72), as PKCS #8 PEM: the DER prefix of an
// Ed25519 PrivateKeyInfo followed by the 32-byte seed.
constexpr std::string_view kSeedHex =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr std::string_view kPublicHex =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::string_view kSignatureHex =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

std::string standardBase64(std::string_view bytes) {
  auto text = base64UrlEncode(bytes);
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text.push_back('=');
  return text;
}

std::string rfcKeyPem() {
  const auto der = fromHex("302e020100300506032b657004220420") + fromHex(kSeedHex);
  return "-----BEGIN PRIVATE KEY-----\n" + standardBase64(der) + "\n-----END PRIVATE KEY-----\n";
}

TEST(Ed25519PrivateKeyTest, SignsTheRfc8032VectorByteForByte) {
  const auto key = Ed25519PrivateKey::fromPem(rfcKeyPem());
  EXPECT_EQ(key.publicKey().raw(), fromHex(kPublicHex));
  EXPECT_EQ(key.sign("\x72"), fromHex(kSignatureHex));
}

TEST(Ed25519PrivateKeyTest, ItsSignaturesVerifyAndAnyChangeIsCaught) {
  const auto key = Ed25519PrivateKey::generate();
  const std::string message = R"({"request_id":"r-1","fields":{}})";
  auto signature = key.sign(message);
  EXPECT_TRUE(key.publicKey().verify(message, signature));

  auto changedMessage = message;
  changedMessage[5] ^= 1;
  EXPECT_FALSE(key.publicKey().verify(changedMessage, signature));
  signature[10] ^= 1;
  EXPECT_FALSE(key.publicKey().verify(message, signature));
  EXPECT_FALSE(key.publicKey().verify(message, signature.substr(0, 63)));
  EXPECT_FALSE(Ed25519PrivateKey::generate().publicKey().verify(message, key.sign(message)));
}

TEST(Ed25519PrivateKeyTest, ThePublicKeyRoundTripsThroughItsRawBytes) {
  const auto key = Ed25519PrivateKey::generate();
  const auto again = Ed25519PublicKey::fromRaw(key.publicKey().raw());
  EXPECT_TRUE(again.verify("m", key.sign("m")));
}

TEST(Ed25519PrivateKeyTest, WritesAPemItReadsBack) {
  const auto key = Ed25519PrivateKey::generate();
  const auto pem = key.toPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(Ed25519PrivateKey::fromPem(pem).publicKey().raw(), key.publicKey().raw());
}

TEST(Ed25519PrivateKeyTest, RefusesWhatIsNotAnEd25519PrivateKeyWithoutQuotingIt) {
  for (const std::string& text :
       {std::string("secret-looking-text"), std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                                        "-----END PRIVATE KEY-----\n")}) {
    try {
      Ed25519PrivateKey::fromPem(text);
      FAIL() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
      EXPECT_EQ(std::string(e.what()).find("secret-looking"), std::string::npos);
    }
  }
}

TEST(Ed25519PrivateKeyTest, PublicKeysRefuseWrongSizesAndOtherPem) {
  EXPECT_THROW(Ed25519PublicKey::fromRaw(std::string(31, 'a')), Error);
  EXPECT_THROW(Ed25519PublicKey::fromPem(rfcKeyPem()), Error);
}

}  // namespace
}  // namespace oncegate
