#pragma once

namespace oncegate::odbc {
class OdbcClient;
}

namespace oncegate {

// The tables of the central audit record, which every instance ships its trail to (PostgreSQL in
// production; the SQL is portable, so SQLite serves unit tests):
// - oncegate_audit_records: every line of every instance's trail, keyed (instance, seq) with seq
//   the line's 1-based position in that instance's chain, the exact line (so the chain verifies
//   from the database alone) and the columns auditors search by. The subject is indexed only as a
//   keyed hash (SubjectIndexKey).
// - oncegate_audit_fields: one row per field a data request asked, with its outcome.
// - oncegate_audit_checkpoints: the signed checkpoints among those lines; the latest one is what
//   a local trail must still reach (`verify-audit --against-store`).
// - oncegate_audit_shipping: per instance, how far its trail has been shipped.
// Times are ISO 8601 UTC text ("2026-12-05T01:02:03.456Z"), which sorts as time does.
//
// Creates what is missing; safe to run from every instance at every start. Throws what
// OdbcClient throws.
void createAuditStoreSchema(odbc::OdbcClient& client);

}  // namespace oncegate
