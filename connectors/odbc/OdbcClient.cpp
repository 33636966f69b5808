#include "connectors/odbc/OdbcClient.h"

#include <array>
#include <cstdint>

#include "common/Error.h"
#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcEnvironment.h"
#include "connectors/odbc/OdbcError.h"
#include "connectors/odbc/OdbcHandle.h"
#include "connectors/odbc/OdbcParameters.h"
#include "connectors/odbc/OdbcResultColumns.h"

namespace oncegate::odbc {

namespace {

// Long enough for a server on another host, short enough that a dead one fails a start quickly.
constexpr SQLULEN kLoginTimeoutSeconds = 5;

SQLPOINTER asPointer(SQLULEN number) { return reinterpret_cast<SQLPOINTER>(number); }

std::string withState(std::string message, const std::string& sqlstate) {
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  return message;
}

}  // namespace

struct OdbcClient::Session {
  std::shared_ptr<OdbcEnvironment> environment = OdbcEnvironment::shared();
  OdbcHandle connection{SQL_HANDLE_DBC, environment->get()};
  bool connected = false;
  bool broken = false;

  ~Session() {
    if (connected) SQLDisconnect(connection.get());
  }
};

OdbcClient::OdbcClient(std::string connectionString, std::string name)
    : connectionString_(std::move(connectionString)), name_(std::move(name)) {
  connect();
}

OdbcClient::~OdbcClient() = default;

void OdbcClient::connect() {
  session_.reset();
  auto session = std::make_unique<Session>();
  SQLSetConnectAttr(session->connection.get(), SQL_ATTR_LOGIN_TIMEOUT,
                    asPointer(kLoginTimeoutSeconds), 0);
  std::string text = connectionString_;
  SQLSMALLINT outLength = 0;
  const SQLRETURN rc = SQLDriverConnect(
      session->connection.get(), nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
      static_cast<SQLSMALLINT>(text.size()), nullptr, 0, &outLength, SQL_DRIVER_NOPROMPT);
  if (!succeeded(rc)) {
    const auto diagnostics = OdbcDiagnostics::read(session->connection);
    throw Error(ErrorCode::SourceUnavailable,
                withState("'" + name_ + "' cannot be reached", diagnostics.sqlstate),
                "connect with \"" + redactConnectionString(connectionString_) +
                    "\" failed: " + diagnostics.text,
                diagnostics.sqlstate);
  }
  session->connected = true;
  std::array<SQLCHAR, 64> dbms{};
  SQLSMALLINT dbmsLength = 0;
  if (succeeded(SQLGetInfo(session->connection.get(), SQL_DBMS_NAME, dbms.data(),
                           static_cast<SQLSMALLINT>(dbms.size()), &dbmsLength))) {
    dbmsName_ = reinterpret_cast<const char*>(dbms.data());
  }
  session_ = std::move(session);
}

OdbcClient::Session& OdbcClient::session() {
  // A lost connection is replaced between transactions; inside one, the work is lost anyway.
  if (!session_ || (session_->broken && !inTransaction_)) connect();
  return *session_;
}

std::int64_t OdbcClient::execute(std::string_view sql, const std::vector<Value>& params) {
  std::int64_t affected = 0;
  run(sql, params, false, &affected);
  return affected;
}

std::vector<Row> OdbcClient::query(std::string_view sql, const std::vector<Value>& params) {
  return run(sql, params, true, nullptr);
}

std::vector<Row> OdbcClient::run(std::string_view sql, const std::vector<Value>& params,
                                 bool wantRows, std::int64_t* affected) {
  Session& current = session();
  OdbcHandle statement(SQL_HANDLE_STMT, current.connection.get());
  std::string text(sql);
  const OdbcErrorFactory error = [&](const OdbcDiagnostics& diagnostics) {
    if (isConnectionLostState(diagnostics.sqlstate)) {
      current.broken = true;
    } else {
      SQLUINTEGER dead = SQL_CD_FALSE;
      if (succeeded(SQLGetConnectAttr(current.connection.get(), SQL_ATTR_CONNECTION_DEAD, &dead,
                                      SQL_IS_UINTEGER, nullptr)) &&
          dead == SQL_CD_TRUE) {
        current.broken = true;
      }
    }
    const ErrorCode code = isTimeoutState(diagnostics.sqlstate) ? ErrorCode::SourceTimeout
                                                                : ErrorCode::SourceUnavailable;
    return Error(code, withState("'" + name_ + "' failed a statement", diagnostics.sqlstate),
                 "statement: " + text + ": " + diagnostics.text, diagnostics.sqlstate);
  };

  OdbcParameters parameters;
  parameters.bind(statement, params, error);
  const SQLRETURN executed = SQLExecDirect(statement.get(), reinterpret_cast<SQLCHAR*>(text.data()),
                                           static_cast<SQLINTEGER>(text.size()));
  // SQL_NO_DATA: an UPDATE or DELETE that matched nothing.
  if (executed == SQL_NO_DATA) return {};
  if (!succeeded(executed)) throw error(OdbcDiagnostics::read(statement));

  if (affected != nullptr) {
    SQLLEN count = 0;
    if (succeeded(SQLRowCount(statement.get(), &count)) && count > 0) *affected = count;
  }
  std::vector<Row> rows;
  if (!wantRows) return rows;
  OdbcResultColumns columns;
  columns.describe(statement, error);
  if (columns.empty()) return rows;
  for (;;) {
    const SQLRETURN fetched = SQLFetch(statement.get());
    if (fetched == SQL_NO_DATA) break;
    if (!succeeded(fetched)) throw error(OdbcDiagnostics::read(statement));
    // The control store's documents are the gateway's own: no cap beyond memory.
    rows.push_back(columns.read(statement, error, SIZE_MAX));
  }
  return rows;
}

void OdbcClient::setAutocommit(bool on) {
  Session& current = session();
  const SQLRETURN rc =
      SQLSetConnectAttr(current.connection.get(), SQL_ATTR_AUTOCOMMIT,
                        asPointer(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), SQL_IS_UINTEGER);
  if (!succeeded(rc)) {
    const auto diagnostics = OdbcDiagnostics::read(current.connection);
    current.broken = true;  // its transaction mode is unknown: start afresh next time
    throw Error(ErrorCode::SourceUnavailable,
                withState("'" + name_ + "' cannot switch autocommit", diagnostics.sqlstate),
                diagnostics.text, diagnostics.sqlstate);
  }
}

void OdbcClient::endTransaction(bool commit) {
  if (!session_) throw Error(ErrorCode::SourceUnavailable, "'" + name_ + "' lost its connection");
  Session& current = *session_;
  const SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, current.connection.get(),
                                  static_cast<SQLSMALLINT>(commit ? SQL_COMMIT : SQL_ROLLBACK));
  if (!succeeded(rc)) {
    const auto diagnostics = OdbcDiagnostics::read(current.connection);
    if (isConnectionLostState(diagnostics.sqlstate)) current.broken = true;
    throw Error(ErrorCode::SourceUnavailable,
                withState("'" + name_ + "' failed to " + (commit ? "commit" : "roll back"),
                          diagnostics.sqlstate),
                diagnostics.text, diagnostics.sqlstate);
  }
}

void OdbcClient::transaction(const std::function<void()>& body) {
  if (inTransaction_) {
    body();
    return;
  }
  setAutocommit(false);
  inTransaction_ = true;
  try {
    body();
    endTransaction(true);
  } catch (...) {
    inTransaction_ = false;
    try {
      endTransaction(false);
      setAutocommit(true);
    } catch (const Error&) {
      // The body's error is the one to report; a connection that cannot roll back is replaced.
      if (session_) session_->broken = true;
    }
    throw;
  }
  inTransaction_ = false;
  setAutocommit(true);
}

}  // namespace oncegate::odbc
