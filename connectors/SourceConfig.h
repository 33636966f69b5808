#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/ConfigNode.h"
#include "common/Error.h"
#include "common/SecretReferences.h"

namespace oncegate {

// One department database as configured under `sources:`.
struct SourceConfig {
  static constexpr int kDefaultPool = 4;
  static constexpr int kMaxPool = 64;
  static constexpr std::chrono::milliseconds kDefaultTimeout{2000};
  static constexpr std::chrono::milliseconds kDefaultRetry{1000};
  static constexpr int kDefaultBreakerFailures = 5;
  static constexpr int kMaxBreakerFailures = 1000;
  static constexpr std::chrono::milliseconds kDefaultBreakerOpenFor{5000};
  static constexpr std::size_t kDefaultMaxValueBytes = 64 * 1024;
  static constexpr std::size_t kMinMaxValueBytes = 1024;
  static constexpr std::size_t kMaxMaxValueBytes = 16 * 1024 * 1024;

  // How the source is reached: `odbc:` (an ODBC connection string, any database) or
  // `postgresql:` (a libpq conninfo or URI, PostgreSQL on the I/O loops: PostgresSource).
  enum class Driver { Odbc, Postgresql };

  std::string id;
  std::string department;
  Driver driver = Driver::Odbc;
  // The expanded connection string (ODBC or libpq, as `driver` says; the name stays for the
  // many readers that only pass it on): holds secrets, never log or answer it.
  std::string odbc;
  // The connection string as written, ${...} references unexpanded: what answers and logs show
  // (through redactConnectionString).
  std::string odbcAsWritten;
  // What each ${...} reference of the connection string resolved to, so that messages can be
  // blanked of them (see blankSecrets below); never log or answer these.
  std::vector<std::string> resolvedReferences;
  int pool = kDefaultPool;
  std::chrono::milliseconds timeout = kDefaultTimeout;  // per query
  // After a failed connect the source answers unavailable at once for this long, then tries again.
  std::chrono::milliseconds retry = kDefaultRetry;
  // `breaker: { failures, open_for }`: after that many failed queries in a row the source answers
  // unavailable at once for open_for, then lets one query through (see CircuitBreaker).
  int breakerFailures = kDefaultBreakerFailures;
  std::chrono::milliseconds breakerOpenFor = kDefaultBreakerOpenFor;
  // `max_value`: the longest text or binary value (UTF-8 bytes) one column of a row may hold; a
  // longer one fails its query (never truncated), so that one LOB cannot take unbounded memory.
  std::size_t maxValueBytes = kDefaultMaxValueBytes;
  std::string location;  // "file:line" of the entry, for errors found later
};

// Parses the `sources:` list; rejects unknown keys, bad or duplicate ids, out-of-range values and
// an entry with both or neither of `odbc:` and `postgresql:`, with an InvalidConfig error naming
// file and line.
// One item of a `sources:` list (or an admin body). Duplicate ids across the whole
// configuration are the configuration loader's to find (gateway/Configuration).
// Its ${...} references resolve through `references` (see SecretReferences).
SourceConfig parseSource(const ConfigNode& item, const SecretReferences& references);

// The connection string with the value of every secret-bearing key (PWD, Password, sslpassword,
// Token, AccessToken, Secret, ApiKey, ... without regard to case) replaced by "***", for answers
// and logs. Reads ODBC (`{...}` values with "}}" escapes), libpq conninfo (quoted and escaped
// values) and URIs (user:password@, secret query parameters). Any input is safe (a fuzzer
// target calls it).
std::string redactConnectionString(std::string_view connection);

// `text` (a driver's error message, say) with every password of `connection` that it repeats
// replaced by "***": drivers may quote the connection string back.
std::string blankSecrets(std::string text, std::string_view connection);
// The error with its message and detail blanked so: what a DBA may be shown of a driver's error.
Error blankSecrets(const Error& error, std::string_view connection);
// The error of one of `source`'s connections as logs and answers may show it: its passwords and
// every value a ${...} reference resolved to blanked, and the connection string it quotes shown
// as written (references unexpanded), never expanded.
Error blankSecrets(const Error& error, const SourceConfig& source);

}  // namespace oncegate
