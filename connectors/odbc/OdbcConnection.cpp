#include "connectors/odbc/OdbcConnection.h"

#include <array>
#include <string_view>

#include "common/Error.h"
#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcDriverConnect.h"
#include "connectors/odbc/OdbcError.h"

namespace oncegate::odbc {

OdbcConnection::OdbcConnection(std::shared_ptr<OdbcEnvironment> environment,
                               const std::string& connection, std::chrono::seconds loginTimeout,
                               std::string_view sourceId, std::size_t maxValueBytes)
    : environment_(std::move(environment)),
      handle_(SQL_HANDLE_DBC, environment_->get()),
      sourceId_(sourceId),
      maxValueBytes_(maxValueBytes) {
  if (!succeeded(driverConnect(handle_.get(), connection, loginTimeout))) {
    const auto diagnostics = OdbcDiagnostics::read(handle_);
    throw Error(
        ErrorCode::SourceUnavailable, "source '" + sourceId_ + "' cannot be reached",
        "connect with \"" + redactConnectionString(connection) + "\" failed: " + diagnostics.text,
        diagnostics.sqlstate);
  }
  std::array<SQLCHAR, 64> dbms{};
  SQLSMALLINT dbmsLength = 0;
  if (succeeded(SQLGetInfo(handle_.get(), SQL_DBMS_NAME, dbms.data(),
                           static_cast<SQLSMALLINT>(dbms.size()), &dbmsLength))) {
    sessionTimeout_ = std::string_view(reinterpret_cast<const char*>(dbms.data())) == "PostgreSQL";
  }
}

void OdbcConnection::applySessionTimeout(std::chrono::seconds timeout) {
  if (timeout == currentSessionTimeout_) return;
  OdbcHandle scratch(SQL_HANDLE_STMT, handle_.get());
  std::string sql = "SET statement_timeout = " + std::to_string(timeout.count() * 1000);
  if (!succeeded(SQLExecDirect(scratch.get(), reinterpret_cast<SQLCHAR*>(sql.data()),
                               static_cast<SQLINTEGER>(sql.size())))) {
    const auto diagnostics = OdbcDiagnostics::read(scratch);
    throw Error(ErrorCode::SourceUnavailable, "source '" + sourceId_ + "' failed the query",
                "setting statement_timeout failed: " + diagnostics.text, diagnostics.sqlstate);
  }
  currentSessionTimeout_ = timeout;
}

OdbcConnection::~OdbcConnection() {
  statements_.clear();  // statement handles go before their connection
  SQLDisconnect(handle_.get());
}

namespace {

// Withdraws the published statement before anything can free it: on leaving the try block,
// before a failed statement is dropped from the cache.
struct Publication {
  OdbcCancellation& cancellation;
  ~Publication() { cancellation.withdraw(); }
};

}  // namespace

QueryOutcome OdbcConnection::run(const SourceQuery& query, std::chrono::seconds timeout,
                                 OdbcCancellation& cancellation, std::uint64_t call) {
  fresh_ = false;
  try {
    auto seconds = static_cast<SQLULEN>(timeout.count());
    if (sessionTimeout_) {
      applySessionTimeout(timeout);
      seconds = 0;
    }
    auto& prepared = statement(query.sql);
    const Publication publication{cancellation};
    cancellation.publish(prepared.handle(), call);
    QueryOutcome outcome;
    if (query.describeOnly) {
      outcome.columns = prepared.describe(query.params, seconds);
    } else {
      outcome.row = prepared.run(query.params, seconds);
    }
    return outcome;
  } catch (const Error& error) {
    // A statement that failed is prepared again next time: PostgreSQL invalidates prepared plans
    // when a table changes, and a cancelled statement may be left in an odd state.
    statements_.erase(query.sql);
    if (serverGone(error.sqlstate())) broken_ = true;
    throw;
  }
}

OdbcStatement& OdbcConnection::statement(const std::string& sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return *found->second;
  if (statements_.size() >= kMaxStatements) statements_.erase(statements_.begin());
  auto prepared = std::make_unique<OdbcStatement>(handle_.get(), sql, sourceId_, maxValueBytes_);
  return *statements_.emplace(sql, std::move(prepared)).first->second;
}

bool OdbcConnection::serverGone(std::string_view sqlstate) const {
  if (isConnectionLostState(sqlstate)) return true;
  SQLUINTEGER dead = SQL_CD_FALSE;
  const SQLRETURN rc =
      SQLGetConnectAttr(handle_.get(), SQL_ATTR_CONNECTION_DEAD, &dead, SQL_IS_UINTEGER, nullptr);
  return succeeded(rc) && dead == SQL_CD_TRUE;
}

}  // namespace oncegate::odbc
