#include <gtest/gtest.h>

#include "common/Digest.h"

namespace oncegate {
namespace {

TEST(DigestTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, HmacMatchesRfc4231Case2) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(DigestTest, HmacHashesKeysLongerThanABlockFirst) {  // RFC 4231 case 6
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The key's prepared state is kept per thread: changing keys, coming back to one, a key that
// is a prefix of the previous one, and a plain SHA-256 in between must not leak into a result.
TEST(DigestTest, HmacKeepsKeysApartAcrossCalls) {
  const std::string jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string longKey = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
  const std::string longText = "Test Using Larger Than Block-Size Key - Hash Key First";
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"), jefe);
    EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"), jefe);
    EXPECT_NE(hmacSha256Hex("Jef", "what do ya want for nothing?"), jefe);
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'), longText), longKey);
  }
}

TEST(DigestTest, Sha256OfEmptyAndRepeatedCallsAgree) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), sha256Hex("abc"));
}

TEST(DigestTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace oncegate
