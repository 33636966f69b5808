#include <gtest/gtest.h>

#include <string>

#include "common/Digest.h"
#include "gateway/cache/CacheKey.h"

namespace oncegate {
namespace {

constexpr std::string_view kSecret = "deployment-secret";
constexpr std::string_view kFingerprint = "3f1a";

std::string keyOf(const std::vector<Value>& params, std::string_view dataset = "hr.employee",
                  std::string_view fingerprint = kFingerprint, std::string_view secret = kSecret) {
  return makeCacheKey(dataset, fingerprint, params, secret);
}

TEST(CacheKeyTest, HasVersionedPrefixDatasetAndHmac) {
  const auto key = keyOf({Value::string("330102196001010011")});
  const std::string prefix = "og:1:hr.employee:";
  ASSERT_EQ(key.substr(0, prefix.size()), prefix);
  const auto mac = key.substr(prefix.size());
  EXPECT_EQ(mac.size(), 64u);
  EXPECT_EQ(mac.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(CacheKeyTest, IsTheHmacOfFingerprintAndDelimitedParams) {
  std::string material("3f1a");
  material.push_back('\0');
  material += "string:3:abc";
  material += "int:2:42";
  EXPECT_EQ(keyOf({Value::string("abc"), Value::integer(42)}),
            "og:1:hr.employee:" + hmacSha256Hex(kSecret, material));
}

TEST(CacheKeyTest, NeverContainsTheSubjectInClear) {
  const auto key = keyOf({Value::string("330102196001010011")});
  EXPECT_EQ(key.find("330102196001010011"), std::string::npos);
  EXPECT_EQ(key.find(sha256Hex("330102196001010011")), std::string::npos);
}

TEST(CacheKeyTest, IsStableForTheSameInput) {
  EXPECT_EQ(keyOf({Value::string("a"), Value::date("2026-01-31")}),
            keyOf({Value::string("a"), Value::date("2026-01-31")}));
}

TEST(CacheKeyTest, DependsOnEveryPart) {
  const auto base = keyOf({Value::string("a")});
  EXPECT_NE(base, keyOf({Value::string("b")}));
  EXPECT_NE(base, keyOf({Value::string("a")}, "fund.account"));
  EXPECT_NE(base, keyOf({Value::string("a")}, "hr.employee", "3f1b"));
  EXPECT_NE(base, keyOf({Value::string("a")}, "hr.employee", kFingerprint, "other-secret"));
}

TEST(CacheKeyTest, KeepsKindsApart) {
  EXPECT_NE(keyOf({Value::null()}), keyOf({Value::string("")}));
  EXPECT_NE(keyOf({Value::integer(1)}), keyOf({Value::string("1")}));
  EXPECT_NE(keyOf({Value::boolean(true)}), keyOf({Value::string("true")}));
  EXPECT_NE(keyOf({Value::decimal("1.50")}), keyOf({Value::string("1.50")}));
  EXPECT_NE(keyOf({Value::date("2026-01-31")}), keyOf({Value::datetime("2026-01-31")}));
}

TEST(CacheKeyTest, ParamBoundariesAreUnambiguous) {
  EXPECT_NE(keyOf({Value::string("a:b")}), keyOf({Value::string("a"), Value::string("b")}));
  EXPECT_NE(keyOf({Value::string("ab"), Value::string("")}),
            keyOf({Value::string("a"), Value::string("b")}));
  EXPECT_NE(keyOf({Value::string("1:x")}), keyOf({Value::string("1"), Value::string("x")}));
  EXPECT_NE(keyOf({Value::string("a"), Value::string("b")}),
            keyOf({Value::string("b"), Value::string("a")}));
  EXPECT_NE(keyOf({}), keyOf({Value::string("")}));
}

}  // namespace
}  // namespace oncegate
