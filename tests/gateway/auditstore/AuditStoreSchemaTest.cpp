#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "connectors/odbc/OdbcClient.h"
#include "gateway/auditstore/AuditStoreSchema.h"

namespace oncegate {
namespace {

class AuditStoreSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/oncegate-auditstore-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string connection() const {
    return "Driver=SQLite3;Database=" + (directory_ / "audit.db").string();
  }

  std::filesystem::path directory_;
};

TEST_F(AuditStoreSchemaTest, CreatesEveryTableAndCanRunAgain) {
  odbc::OdbcClient client(connection(), "audit store");
  createAuditStoreSchema(client);
  createAuditStoreSchema(client);
  for (const auto* table : {"oncegate_audit_records", "oncegate_audit_fields",
                            "oncegate_audit_checkpoints", "oncegate_audit_shipping"}) {
    EXPECT_EQ(client.query(std::string("SELECT COUNT(*) FROM ") + table).size(), 1U) << table;
  }
}

TEST_F(AuditStoreSchemaTest, OneRowPerInstanceAndPosition) {
  odbc::OdbcClient client(connection(), "audit store");
  createAuditStoreSchema(client);
  const std::string insert =
      "INSERT INTO oncegate_audit_records VALUES ('gw-a', 1, '2026-12-05T00:00:00.000Z', "
      "'access', 'r1', '/v1/resolve', 200, 'c', 'd', 'p', '', 'person', 'h', '', '{}', 's', 'p')";
  client.execute(insert);
  EXPECT_THROW(client.execute(insert), std::exception);
}

}  // namespace
}  // namespace oncegate
