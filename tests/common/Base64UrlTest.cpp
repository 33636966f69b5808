#include <gtest/gtest.h>

#include "common/Base64Url.h"

namespace oncegate {
namespace {

// RFC 4648 section 10, in the URL alphabet and without padding.
TEST(Base64UrlTest, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64UrlEncode(""), "");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
}

// What a signing input is made of: a prefix, then the encoding appended to it.
TEST(Base64UrlTest, AppendsAfterWhatTheBufferHolds) {
  std::string out = "header.";
  appendBase64Url("fooba", out);
  EXPECT_EQ(out, "header.Zm9vYmE");
  appendBase64Url("", out);
  EXPECT_EQ(out, "header.Zm9vYmE");
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  EXPECT_EQ(base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf"));
}

TEST(Base64UrlTest, DecodesWhatItEncodesForEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    const auto bytes = all.substr(0, length);
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes) << length;
  }
}

TEST(Base64UrlTest, RefusesPaddingOtherAlphabetsAndImpossibleLengths) {
  EXPECT_EQ(base64UrlDecode("Zg=="), std::nullopt);
  EXPECT_EQ(base64UrlDecode("+/+/"), std::nullopt);
  EXPECT_EQ(base64UrlDecode("Zm9v Yg"), std::nullopt);
  EXPECT_EQ(base64UrlDecode("Z"), std::nullopt);
  EXPECT_EQ(base64UrlDecode("Zm9vY"), std::nullopt);
}

// "Zh" carries the same byte as "Zg" with a stray low bit: one value, one spelling.
TEST(Base64UrlTest, RefusesNonZeroUnusedBits) {
  EXPECT_EQ(base64UrlDecode("Zg"), std::string("f"));
  EXPECT_EQ(base64UrlDecode("Zh"), std::nullopt);
  EXPECT_EQ(base64UrlDecode("Zm9"), std::nullopt);
}

}  // namespace
}  // namespace oncegate
