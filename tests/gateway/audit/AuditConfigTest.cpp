#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(AuditConfigTest, ReadsTheStoreAndTheInstance) {
  setenv("ONCEGATE_TEST_AUDIT_STORE_PASSWORD", "s3cret", 1);
  const auto config = parse(
      "audit: { store: \"Driver=PostgreSQL Unicode;Pwd=${ONCEGATE_TEST_AUDIT_STORE_PASSWORD}\", "
      "instance: gw-a }");
  EXPECT_EQ(config.store, "Driver=PostgreSQL Unicode;Pwd=s3cret");
  EXPECT_EQ(config.instance, "gw-a");
}

TEST(AuditConfigTest, TheInstanceDefaultsToHostAndAbsolutePath) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  const auto config = parse("audit: { path: trail/a.jsonl, store: \"Driver=SQLite3\" }");
  EXPECT_EQ(config.instance, std::string(host) + ":/etc/oncegate/trail/a.jsonl");
  EXPECT_TRUE(parse("audit: {}").store.empty());
  EXPECT_EQ(defaultAuditConfig(kBase).instance,
            std::string(host) + ":/etc/oncegate/var/audit.jsonl");
}

TEST(AuditConfigTest, RejectsAnEmptyStore) {
  auto message = rejection("audit:\n  store: \"\"\n");
  EXPECT_NE(message.find("gateway.yaml:2: expected a non-empty string"), std::string::npos)
      << message;
  setenv("ONCEGATE_TEST_AUDIT_EMPTY", "", 1);
  message = rejection("audit:\n  store: \"${ONCEGATE_TEST_AUDIT_EMPTY}\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("store must be an ODBC connection string"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsAnEmptyInstance) {
  auto message = rejection("audit:\n  instance: \"\"\n");
  EXPECT_NE(message.find("gateway.yaml:2: expected a non-empty string"), std::string::npos)
      << message;
  setenv("ONCEGATE_TEST_AUDIT_EMPTY", "", 1);
  message = rejection("audit:\n  instance: \"${ONCEGATE_TEST_AUDIT_EMPTY}\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("instance must name this trail"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsAnInstanceLongerThanTheStoreHolds) {
  const auto message = rejection("audit:\n  instance: " + std::string(256, 'g') + "\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("at most 255 bytes"), std::string::npos) << message;
  EXPECT_EQ(parse("audit: { instance: " + std::string(255, 'g') + " }").instance.size(), 255U);
}

TEST(AuditConfigTest, RejectsAnInstanceWithControlCharacters) {
  const auto message = rejection("audit:\n  instance: \"gw\\ta\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("control characters"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsADefaultInstanceLongerThanTheStoreHolds) {
  const auto message =
      rejection("audit:\n  path: /" + std::string(300, 'p') + "\n  store: \"Driver=SQLite3\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("name the trail with instance:"), std::string::npos) << message;
}

TEST(AuditConfigTest, RejectsAnUnsetVariableInTheStore) {
  unsetenv("ONCEGATE_TEST_AUDIT_UNSET");
  const auto message = rejection("audit:\n  store: \"Pwd=${ONCEGATE_TEST_AUDIT_UNSET}\"\n");
  EXPECT_NE(message.find("gateway.yaml:2"), std::string::npos) << message;
  EXPECT_NE(message.find("ONCEGATE_TEST_AUDIT_UNSET"), std::string::npos) << message;
  // The message names the variable, never a value of the connection string.
  EXPECT_EQ(message.find("Pwd="), std::string::npos) << message;
}

}  // namespace
}  // namespace oncegate
