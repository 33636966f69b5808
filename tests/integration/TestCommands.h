#pragma once

#include <cstddef>
#include <string>

namespace oncegate::testing {

// What a shell command printed on stdout (stderr is left alone).
std::string commandOutput(const std::string& command);
// The SHA-256 of `text` as an operator computes it: with sha256sum.
std::string sha256sum(const std::string& text);
// Runs an SQL script on a SQLite database file (created if missing) with the sqlite3 CLI;
// throws, naming the script, when sqlite3 fails. The SQLite counterpart of runPostgresSql.
void runSqliteSql(const std::string& database, const std::string& sql);
// `length` random lower-case hex digits (fresh hash keys, unique names).
std::string randomHex(std::size_t length);
// What one SQL query prints on the test PostgreSQL database (psql -At: unaligned, no headers),
// without its final newline; throws, naming the query, when psql fails.
std::string postgresQuery(const std::string& sql);

}  // namespace oncegate::testing
