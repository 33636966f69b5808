#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/Error.h"
#include "gateway/cache/CacheValueCipher.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kCacheKey = "og:1:hr.person:0123abcd";
constexpr std::string_view kRow = "\x01row of 110101196001011234 Zhang San 108618.50";

CacheValueCipher::Key keyOf(unsigned char fill) {
  CacheValueCipher::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(fill + i);
  return key;
}

TEST(CacheValueCipherTest, RoundTripsAndHidesThePlaintext) {
  const CacheValueCipher cipher({keyOf(1)});
  const auto sealed = cipher.seal(kCacheKey, kRow);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->size(), kRow.size() + CacheValueCipher::kOverhead);
  EXPECT_THAT(*sealed, Not(HasSubstr("110101196001011234")));
  EXPECT_THAT(*sealed, Not(HasSubstr("Zhang")));
  EXPECT_EQ(cipher.open(kCacheKey, *sealed), std::string(kRow));
}

TEST(CacheValueCipherTest, EmptyValueRoundTrips) {
  const CacheValueCipher cipher({keyOf(1)});
  const auto sealed = cipher.seal(kCacheKey, "");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(cipher.open(kCacheKey, *sealed), std::string());
}

TEST(CacheValueCipherTest, EveryValueHasAFreshNonce) {
  const CacheValueCipher cipher({keyOf(1)});
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(*cipher.seal(kCacheKey, kRow));
  EXPECT_EQ(seen.size(), 100U);
}

TEST(CacheValueCipherTest, AValueMovedToAnotherKeyDoesNotOpen) {
  const CacheValueCipher cipher({keyOf(1)});
  const auto sealed = cipher.seal(kCacheKey, kRow);
  EXPECT_FALSE(cipher.open("og:1:hr.person:0123abce", *sealed).has_value());
  EXPECT_FALSE(cipher.open("", *sealed).has_value());
}

TEST(CacheValueCipherTest, AValueSealedWithAnUnknownKeyIsAMiss) {
  const CacheValueCipher writer({keyOf(1)});
  const CacheValueCipher reader({keyOf(50)});
  EXPECT_FALSE(reader.open(kCacheKey, *writer.seal(kCacheKey, kRow)).has_value());
}

TEST(CacheValueCipherTest, AKnownIdWithTheWrongKeyMaterialIsAMiss) {
  // Forge the id of the reader's key onto a value sealed with another key: the tag fails.
  const CacheValueCipher writer({keyOf(1)});
  const CacheValueCipher reader({keyOf(50)});
  auto sealed = *writer.seal(kCacheKey, kRow);
  const auto readerId = *reader.seal(kCacheKey, kRow);
  sealed.replace(1, CacheValueCipher::kKeyIdBytes,
                 readerId.substr(1, CacheValueCipher::kKeyIdBytes));
  EXPECT_FALSE(reader.open(kCacheKey, sealed).has_value());
}

TEST(CacheValueCipherTest, OldValuesOpenAfterANewKeyIsPrepended) {
  const CacheValueCipher before({keyOf(1)});
  const auto old = *before.seal(kCacheKey, kRow);
  const CacheValueCipher after({keyOf(50), keyOf(1)});
  EXPECT_EQ(after.open(kCacheKey, old), std::string(kRow));
  // New values use the new key: an instance still on the old key alone misses them.
  const auto fresh = *after.seal(kCacheKey, kRow);
  EXPECT_EQ(fresh.substr(1, CacheValueCipher::kKeyIdBytes),
            (*CacheValueCipher({keyOf(50)}).seal(kCacheKey, kRow)).substr(1, 4));
  EXPECT_FALSE(before.open(kCacheKey, fresh).has_value());
  // Once the old key is dropped, its values are misses.
  const CacheValueCipher retired({keyOf(50)});
  EXPECT_FALSE(retired.open(kCacheKey, old).has_value());
}

TEST(CacheValueCipherTest, AnyAlteredByteIsAMiss) {
  const CacheValueCipher cipher({keyOf(1)});
  const auto sealed = *cipher.seal(kCacheKey, kRow);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto altered = sealed;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(cipher.open(kCacheKey, altered).has_value()) << "byte " << i;
  }
}

TEST(CacheValueCipherTest, ATruncatedOrExtendedValueIsAMiss) {
  const CacheValueCipher cipher({keyOf(1)});
  const auto sealed = *cipher.seal(kCacheKey, kRow);
  for (std::size_t size = 0; size < sealed.size(); ++size) {
    EXPECT_FALSE(cipher.open(kCacheKey, sealed.substr(0, size)).has_value()) << "size " << size;
  }
  EXPECT_FALSE(cipher.open(kCacheKey, sealed + "x").has_value());
  // What the gateway wrote before values were sealed (a RowCodec value) is a miss too.
  EXPECT_FALSE(cipher.open(kCacheKey, kRow).has_value());
}

TEST(CacheValueCipherTest, TheKeyIdRevealsNothingOfTheKey) {
  const auto key = keyOf(1);
  const auto id = CacheValueCipher::keyIdHex(key);
  EXPECT_EQ(id.size(), 2 * CacheValueCipher::kKeyIdBytes);
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string keyHex;
  for (const unsigned char b : key) {
    keyHex.push_back(kDigits[b >> 4]);
    keyHex.push_back(kDigits[b & 0xf]);
  }
  EXPECT_THAT(keyHex, Not(HasSubstr(id)));
  EXPECT_NE(id, CacheValueCipher::keyIdHex(keyOf(2)));
}

TEST(CacheValueCipherTest, ParsesOnlySixtyFourHexDigits) {
  const std::string good(64, 'a');
  EXPECT_TRUE(CacheValueCipher::parseHexKey(good).has_value());
  EXPECT_TRUE(CacheValueCipher::parseHexKey(std::string(64, 'F')).has_value());
  EXPECT_FALSE(CacheValueCipher::parseHexKey(std::string(63, 'a')).has_value());
  EXPECT_FALSE(CacheValueCipher::parseHexKey(std::string(65, 'a')).has_value());
  EXPECT_FALSE(CacheValueCipher::parseHexKey(std::string(63, 'a') + "g").has_value());
  EXPECT_FALSE(CacheValueCipher::parseHexKey("").has_value());
}

TEST(CacheValueCipherTest, RefusesNoKeysAndAKeyListedTwice) {
  EXPECT_THROW(CacheValueCipher({}), Error);
  try {
    CacheValueCipher({keyOf(1), keyOf(2), keyOf(1)});
    FAIL() << "a repeated key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    EXPECT_THAT(e.message(), HasSubstr("twice"));
  }
}

}  // namespace
}  // namespace oncegate
