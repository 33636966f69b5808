#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/Row.h"
#include "connectors/QueryOutcome.h"
#include "connectors/SourceQuery.h"
#include "connectors/odbc/OdbcCancellation.h"
#include "connectors/odbc/OdbcEnvironment.h"
#include "connectors/odbc/OdbcHandle.h"
#include "connectors/odbc/OdbcStatement.h"

namespace oncegate::odbc {

// One open connection to a source, with its statements prepared once and cached by SQL text.
// It notices when the server is gone, so that its owner replaces it instead of reusing it.
class OdbcConnection {
 public:
  // Connects with SQLDriverConnect; throws Error(SourceUnavailable, "source 'x' cannot be
  // reached") whose detail names the redacted connection string and the driver's text.
  // A value read longer than `maxValueBytes` fails its query (see OdbcResultColumns::read).
  OdbcConnection(std::shared_ptr<OdbcEnvironment> environment, const std::string& connection,
                 std::chrono::seconds loginTimeout, std::string_view sourceId,
                 std::size_t maxValueBytes);
  ~OdbcConnection();
  OdbcConnection(const OdbcConnection&) = delete;
  OdbcConnection& operator=(const OdbcConnection&) = delete;

  // Runs one query (its row, or for a describe-only query its columns); throws Error on failure
  // (and then broken() tells whether to replace this). While the statement runs it is published
  // in `cancellation` under the number `call`, so that another thread may cancel it.
  QueryOutcome run(const SourceQuery& query, std::chrono::seconds timeout,
                   OdbcCancellation& cancellation, std::uint64_t call);

  bool broken() const { return broken_; }
  // True until the first query has run: a fresh connection failing is not a stale one.
  bool fresh() const { return fresh_; }

 private:
  OdbcStatement& statement(const std::string& sql);
  bool serverGone(std::string_view sqlstate) const;
  // Sets PostgreSQL's statement_timeout for the session when `timeout` differs from the last.
  void applySessionTimeout(std::chrono::seconds timeout);

  // Ad-hoc SQL (admin dry runs) must not grow the cache without bound.
  static constexpr std::size_t kMaxStatements = 128;

  std::shared_ptr<OdbcEnvironment> environment_;
  OdbcHandle handle_;
  std::string sourceId_;
  std::size_t maxValueBytes_;
  std::unordered_map<std::string, std::unique_ptr<OdbcStatement>> statements_;
  // psqlODBC implements SQL_ATTR_QUERY_TIMEOUT by wrapping every execute in
  // "SET statement_timeout = N" and "SET statement_timeout = 0": three round trips per query.
  // On PostgreSQL the timeout is therefore set once per session instead.
  bool sessionTimeout_ = false;
  std::chrono::seconds currentSessionTimeout_{0};
  bool broken_ = false;
  bool fresh_ = true;
};

}  // namespace oncegate::odbc
