#include <gtest/gtest.h>

#include <cstdlib>

#include "common/Error.h"
#include "gateway/audit/AuditConfig.h"

namespace oncegate {
namespace {

const std::filesystem::path kBase = "/etc/oncegate";

AuditConfig parse(const std::string& yaml) {
  return parseAuditConfig(ConfigNode::parse(yaml, "gateway.yaml").at("audit"), kBase);
}

// The InvalidConfig message for `yaml`, which must be rejected.
std::string rejection(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidConfig);
    return e.message();
  }
  ADD_FAILURE() << "accepted: " << yaml;
  return {};
}

TEST(AuditConfigTest, DefaultsApplyToAnEmptyMapping) {
  const auto config = parse("audit: {}");
  EXPECT_EQ(config.path, kBase / "var/audit.jsonl");
  EXPECT_EQ(config.durability, AuditConfig::Durability::Strict);
  const auto defaults = defaultAuditConfig(kBase);
  EXPECT_EQ(defaults.path, config.path);
  EXPECT_EQ(defaults.durability, config.durability);
}

TEST(AuditConfigTest, ReadsPathAndDurability) {
  const auto config = parse("audit: { path: logs/../trail/a.jsonl, durability: batch }");
  EXPECT_EQ(config.path, kBase / "trail/a.jsonl");
  EXPECT_EQ(config.durability, AuditConfig::Durability::Batch);
  EXPECT_EQ(parse("audit: { durability: strict }").durability, AuditConfig::Durability::Strict);
}

TEST(AuditConfigTest, KeepsAnAbsolutePath) {
  EXPECT_EQ(parse("audit: { path: /var/lib/oncegate/audit.jsonl }").path,
            "/var/lib/oncegate/audit.jsonl");
}

TEST(AuditConfigTest, ExpandsEnvironmentVariablesInThePath) {
  setenv("ONCEGATE_TEST_AUDIT_DIR", "/srv/audit", 1);
  EXPECT_EQ(parse("audit: { path: \"${ONCEGATE_TEST_AUDIT_DIR}/a.jsonl\" }").path,
            "/srv/audit/a.jsonl");
}

TEST(AuditConfigTest, RejectsUnknownKeys) {
  const auto message = rejection("audit:\n  path: a.jsonl\n  durabilty: batch\n");
  EXPECT_NE(message.find("gateway.yaml:3"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'durabilty'"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsABadDurability) {
  const auto message = rejection("audit:\n  durability: fsync\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("strict or batch"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsANonMapping) {
  const auto message = rejection("audit: strict\n");
  EXPECT_NE(message.find("gateway.yaml:1"), std::string::npos) << message;
  EXPECT_NE(message.find("expected a mapping"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsAnEmptyPath) {
  const auto message = rejection("audit:\n  path: \"\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsADirectoryPath) {
  const auto message = rejection("audit:\n  path: var/\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("must name a file"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsAnUnsetVariable) {
  unsetenv("ONCEGATE_TEST_AUDIT_UNSET");
  const auto message = rejection("audit:\n  path: \"${ONCEGATE_TEST_AUDIT_UNSET}/a\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("ONCEGATE_TEST_AUDIT_UNSET"), std::string::npos) << message;
}

TEST(AuditConfigTest, ReadsARotationSize) {
  EXPECT_EQ(parse("audit: { path: a.jsonl }").rotateBytes, 0u);
  EXPECT_EQ(parse("audit: { rotate: 1GiB }").rotateBytes, 1024ull * 1024 * 1024);
}

TEST(AuditConfigTest, RejectsARotationSizeTooSmallOrNotASize) {
  auto message = rejection("audit:\n  rotate: 100KiB\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("at least 1MiB"), std::string::npos) << message;
  message = rejection("audit:\n  rotate: often\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
}

}  // namespace
}  // namespace oncegate
