#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/Error.h"
#include "gateway/signing/SigningConfig.h"
#include "tests/gateway/signing/SigningTestKeys.h"

namespace oncegate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace signing_test;
namespace fs = std::filesystem;

// A directory standing for the one of gateway.yaml, removed afterwards.
class KeyDirectory {
 public:
  KeyDirectory() {
    std::string pattern = (fs::temp_directory_path() / "oncegate-signing-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~KeyDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  KeyDirectory(const KeyDirectory&) = delete;
  KeyDirectory& operator=(const KeyDirectory&) = delete;

  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

SigningConfig parse(const std::string& yaml, const fs::path& baseDir = fs::temp_directory_path()) {
  return SigningConfig::parse(ConfigNode::parse(yaml, "gateway.yaml"), baseDir);
}

std::string rejection(const std::string& yaml,
                      const fs::path& baseDir = fs::temp_directory_path()) {
  try {
    parse(yaml, baseDir);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "accepted " << yaml;
  return {};
}

TEST(SigningConfigTest, ReadsTheSigningKeyAndRetiredKeysNewestFirst) {
  KeyDirectory dir;
  dir.write("secrets/new.pem", kRfcPrivatePem);
  const auto retired = Ed25519PrivateKey::generate();
  // A retired key by a path relative to gateway.yaml's directory, another as PEM text.
  dir.write("keys/old.pem", retired.toPem());
  const auto config = parse(
      "keys:\n"
      "  - { id: \"2026-12\", private_key: \"${file:secrets/new.pem}\" }\n"
      "  - { id: \"2026-06\", private_key: keys/old.pem, publish_until: 2033-06-30 }\n"
      "  - id: \"2025-12\"\n"
      "    public_key: |\n" +
          std::string("      -----BEGIN PUBLIC KEY-----\n"
                      "      MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                      "      -----END PUBLIC KEY-----\n"),
      dir.path());
  EXPECT_EQ(config.signingKeyId, "2026-12");
  ASSERT_EQ(config.keys.size(), 3U);
  EXPECT_EQ(config.keys[0].id, "2026-12");
  EXPECT_EQ(config.keys[0].publicKey.raw(), config.signingKey.publicKey().raw());
  EXPECT_FALSE(config.keys[0].publishUntil);
  EXPECT_EQ(config.keys[1].id, "2026-06");
  EXPECT_EQ(config.keys[1].publicKey.raw(), retired.publicKey().raw());
  ASSERT_TRUE(config.keys[1].publishUntil);
  EXPECT_EQ(*config.keys[1].publishUntil, std::chrono::sys_days(std::chrono::year(2033) / 6 / 30));
  EXPECT_EQ(config.keys[2].publicKey.raw(), config.keys[0].publicKey.raw());
}

TEST(SigningConfigTest, RejectsUnknownKeys) {
  EXPECT_THAT(rejection("keys: []\nalgorithm: EdDSA\n"), HasSubstr("algorithm"));
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: \"" + std::string("x") +
                        "\", algorithm: EdDSA }\n"),
              HasSubstr("algorithm"));
}

TEST(SigningConfigTest, RejectsAnEmptyList) {
  EXPECT_THAT(rejection("keys: []\n"), HasSubstr("at least one key"));
}

TEST(SigningConfigTest, RejectsAnEmptyId) {
  EXPECT_THAT(rejection("keys:\n  - { id: \"\", public_key: x }\n"),
              HasSubstr("id must not be empty"));
}

TEST(SigningConfigTest, RejectsARepeatedId) {
  KeyDirectory dir;
  dir.write("k.pem", kRfcPrivatePem);
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: k.pem }\n"
                        "  - { id: a, private_key: k.pem }\n",
                        dir.path()),
              HasSubstr("'a' twice"));
}

TEST(SigningConfigTest, RejectsAFirstKeyWithoutItsPrivateKey) {
  EXPECT_THAT(rejection("keys:\n  - { id: a, public_key: k.pub.pem }\n"),
              HasSubstr("key 'a' needs private_key"));
}

TEST(SigningConfigTest, RejectsARetiredKeyWithBothOrNeither) {
  KeyDirectory dir;
  dir.write("k.pem", kRfcPrivatePem);
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: k.pem }\n"
                        "  - { id: b, private_key: k.pem, public_key: k.pem }\n",
                        dir.path()),
              HasSubstr("both"));
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: k.pem }\n  - { id: b }\n", dir.path()),
              HasSubstr("key 'b' needs private_key or public_key"));
}

TEST(SigningConfigTest, RejectsPublishUntilOnTheSigningKey) {
  KeyDirectory dir;
  dir.write("k.pem", kRfcPrivatePem);
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: k.pem, publish_until: 2030-01-01 }\n",
                        dir.path()),
              HasSubstr("retired keys"));
}

TEST(SigningConfigTest, RejectsAPublishUntilThatIsNotADate) {
  KeyDirectory dir;
  dir.write("k.pem", kRfcPrivatePem);
  for (const std::string date : {"2030-02-30", "2030-1-01", "-203-01-01", "soon"}) {
    EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: k.pem }\n"
                          "  - { id: b, private_key: k.pem, publish_until: " +
                              date + " }\n",
                          dir.path()),
                HasSubstr("YYYY-MM-DD"))
        << date;
  }
}

TEST(SigningConfigTest, RefusesAKeyOfAnotherAlgorithmNamingItsIdNotItsText) {
  KeyDirectory dir;
  dir.write("p256.pem", kP256PrivatePem);
  const auto message =
      rejection("keys:\n  - { id: \"2026-12\", private_key: \"${file:p256.pem}\" }\n", dir.path());
  EXPECT_THAT(message, HasSubstr("signing key '2026-12'"));
  EXPECT_THAT(message, HasSubstr("Ed25519"));
  EXPECT_THAT(message, HasSubstr("gateway.yaml:2"));
  EXPECT_THAT(message, Not(HasSubstr("MIGHAgEAMBMG")));
}

TEST(SigningConfigTest, NamesAFileThatCannotBeRead) {
  EXPECT_THAT(rejection("keys:\n  - { id: a, private_key: missing/key.pem }\n"),
              HasSubstr("cannot read the PEM file"));
}

}  // namespace
}  // namespace oncegate
