#include "gateway/auditstore/AuditStoreSchema.h"

#include <string_view>

#include "connectors/odbc/OdbcClient.h"

namespace oncegate {

namespace {

constexpr std::string_view kStatements[] = {
    "CREATE TABLE IF NOT EXISTS oncegate_audit_records (instance VARCHAR(255) NOT NULL, seq BIGINT "
    "NOT NULL, time VARCHAR(40) NOT NULL, event VARCHAR(64) NOT NULL, request_id VARCHAR(64) NOT "
    "NULL, route VARCHAR(255) NOT NULL, status INTEGER NOT NULL, client VARCHAR(255) NOT NULL, "
    "department VARCHAR(255) NOT NULL, purpose VARCHAR(255) NOT NULL, case_number VARCHAR(255) NOT "
    "NULL, subject_type VARCHAR(64) NOT NULL, subject_hash VARCHAR(64) NOT NULL, disclose_after "
    "VARCHAR(10) NOT NULL, line TEXT NOT NULL, line_sha256 VARCHAR(64) NOT NULL, prev VARCHAR(64) "
    "NOT NULL, PRIMARY KEY (instance, seq))",
    "CREATE INDEX IF NOT EXISTS oncegate_audit_by_subject ON oncegate_audit_records "
    "(subject_hash, time)",
    "CREATE INDEX IF NOT EXISTS oncegate_audit_by_case ON oncegate_audit_records (case_number, "
    "time)",
    "CREATE INDEX IF NOT EXISTS oncegate_audit_by_time ON oncegate_audit_records (time)",
    "CREATE TABLE IF NOT EXISTS oncegate_audit_fields (instance VARCHAR(255) NOT NULL, seq BIGINT "
    "NOT NULL, field VARCHAR(255) NOT NULL, outcome VARCHAR(32) NOT NULL, PRIMARY KEY (instance, "
    "seq, field))",
    "CREATE INDEX IF NOT EXISTS oncegate_audit_fields_by_field ON oncegate_audit_fields (field, "
    "outcome)",
    "CREATE TABLE IF NOT EXISTS oncegate_audit_checkpoints (instance VARCHAR(255) NOT NULL, seq "
    "BIGINT NOT NULL, records BIGINT NOT NULL, head VARCHAR(64) NOT NULL, time VARCHAR(40) NOT "
    "NULL, kid VARCHAR(255) NOT NULL, signature VARCHAR(128) NOT NULL, PRIMARY KEY (instance, "
    "seq))",
    "CREATE TABLE IF NOT EXISTS oncegate_audit_shipping (instance VARCHAR(255) PRIMARY KEY, seq "
    "BIGINT NOT NULL, last_sha256 VARCHAR(64) NOT NULL, file_offset BIGINT NOT NULL, "
    "file_first_sha256 VARCHAR(64) NOT NULL, shipped_at VARCHAR(40) NOT NULL)",
};

}  // namespace

void createAuditStoreSchema(odbc::OdbcClient& client) {
  for (const auto statement : kStatements) client.execute(statement);
}

}  // namespace oncegate
