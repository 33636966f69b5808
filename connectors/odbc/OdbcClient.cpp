#include "connectors/odbc/OdbcClient.h"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/Error.h"
#include "connectors/SourceConfig.h"
#include "connectors/odbc/OdbcDriverConnect.h"
#include "connectors/odbc/OdbcEnvironment.h"
#include "connectors/odbc/OdbcError.h"
#include "connectors/odbc/OdbcHandle.h"
#include "connectors/odbc/OdbcParameters.h"
#include "connectors/odbc/OdbcResultColumns.h"

namespace oncegate::odbc {

namespace {

// Long enough for a server on another host, short enough that a dead one fails a start quickly.
constexpr std::chrono::seconds kLoginTimeout{5};

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
  SQLULEN queryTimeout = 0;  // per statement; 0 when the session has one (PostgreSQL)

  ~Session() {
    if (connected) SQLDisconnect(connection.get());
  }
};

OdbcClient::OdbcClient(std::string connectionString, std::string name,
                       std::chrono::seconds statementTimeout)
    : connectionString_(std::move(connectionString)),
      name_(std::move(name)),
      statementTimeout_(std::max(statementTimeout, std::chrono::seconds(1))) {
  connect();
}

OdbcClient::~OdbcClient() = default;

void OdbcClient::connect() {
  session_.reset();
  auto session = std::make_shared<Session>();
  if (!succeeded(driverConnect(session->connection.get(), connectionString_, kLoginTimeout))) {
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
  // psqlODBC implements SQL_ATTR_QUERY_TIMEOUT with two extra SET round trips per statement:
  // on PostgreSQL the session's statement_timeout does the same once.
  if (dbmsName_ == "PostgreSQL") {
    OdbcHandle statement(SQL_HANDLE_STMT, session->connection.get());
    std::string sql = "SET statement_timeout = " + std::to_string(statementTimeout_.count() * 1000);
    if (!succeeded(SQLExecDirect(statement.get(), reinterpret_cast<SQLCHAR*>(sql.data()),
                                 static_cast<SQLINTEGER>(sql.size())))) {
      const auto diagnostics = OdbcDiagnostics::read(statement);
      throw Error(ErrorCode::SourceUnavailable,
                  withState("'" + name_ + "' refused a statement timeout", diagnostics.sqlstate),
                  diagnostics.text, diagnostics.sqlstate);
    }
    session->queryTimeout = 0;
  } else {
    session->queryTimeout = static_cast<SQLULEN>(statementTimeout_.count());
  }
  session_ = std::move(session);
}

OdbcClient::Session& OdbcClient::session() {
  // A lost connection is replaced between transactions; inside one, the work is lost anyway.
  if (!session_ && inTransaction_) {
    throw Error(ErrorCode::SourceUnavailable, "'" + name_ + "' lost its connection");
  }
  if (!session_ || (session_->broken && !inTransaction_)) connect();
  return *session_;
}

namespace {

// What a bounded call's thread and its caller share: the caller may have gone when it ends.
struct BoundedCall {
  std::mutex mutex;
  std::condition_variable ended;
  bool done = false;
  std::exception_ptr error;
};

}  // namespace

void OdbcClient::bounded(const std::shared_ptr<Session>& session, std::function<void()> work,
                         std::string_view what) {
  auto call = std::make_shared<BoundedCall>();
  try {
    // The thread holds the session: if it is abandoned, its connection closes with the thread.
    std::thread([call, session, work = std::move(work)] {
      std::exception_ptr error;
      try {
        work();
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lock(call->mutex);
      call->error = error;
      call->done = true;
      call->ended.notify_all();
    }).detach();
  } catch (const std::system_error& error) {
    throw Error(ErrorCode::SourceUnavailable, "'" + name_ + "' cannot start a statement",
                error.what());
  }
  const auto limit = std::chrono::milliseconds(statementTimeout_) + kGiveUpAfter;
  std::unique_lock lock(call->mutex);
  if (!call->ended.wait_for(lock, limit, [&] { return call->done; })) {
    if (session_ == session) session_.reset();
    throw Error(ErrorCode::SourceTimeout,
                "'" + name_ + "' did not answer within " + std::to_string(limit.count()) + "ms",
                "gave up on " + std::string(what) + "; its connection is abandoned");
  }
  if (call->error) std::rethrow_exception(call->error);
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
  session();
  const std::shared_ptr<Session> current = session_;
  struct Result {
    std::vector<Row> rows;
    std::int64_t affected = 0;
  };
  auto result = std::make_shared<Result>();
  // Everything the call uses is its own or shared: it may outlive this client and this frame.
  bounded(
      current,
      [current, result, name = name_, text = std::string(sql), params, wantRows]() mutable {
        result->rows = runOn(*current, name, text, params, wantRows, result->affected);
      },
      "statement: " + std::string(sql));
  if (affected != nullptr) *affected = result->affected;
  return std::move(result->rows);
}

std::vector<Row> OdbcClient::runOn(Session& current, const std::string& name, std::string& text,
                                   const std::vector<Value>& params, bool wantRows,
                                   std::int64_t& affected) {
  OdbcHandle statement(SQL_HANDLE_STMT, current.connection.get());
  if (current.queryTimeout != 0) {
    SQLSetStmtAttr(statement.get(), SQL_ATTR_QUERY_TIMEOUT, asPointer(current.queryTimeout),
                   SQL_IS_UINTEGER);
  }
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
    return Error(code, withState("'" + name + "' failed a statement", diagnostics.sqlstate),
                 "statement: " + text + ": " + diagnostics.text, diagnostics.sqlstate);
  };

  OdbcParameters parameters;
  parameters.bind(statement, params, error);
  const SQLRETURN executed = SQLExecDirect(statement.get(), reinterpret_cast<SQLCHAR*>(text.data()),
                                           static_cast<SQLINTEGER>(text.size()));
  // SQL_NO_DATA: an UPDATE or DELETE that matched nothing.
  if (executed == SQL_NO_DATA) return {};
  if (!succeeded(executed)) throw error(OdbcDiagnostics::read(statement));

  SQLLEN count = 0;
  if (succeeded(SQLRowCount(statement.get(), &count)) && count > 0) affected = count;
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
  session();
  const std::shared_ptr<Session> current = session_;
  bounded(
      current,
      [current, name = name_, on] {
        const SQLRETURN rc = SQLSetConnectAttr(
            current->connection.get(), SQL_ATTR_AUTOCOMMIT,
            asPointer(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), SQL_IS_UINTEGER);
        if (!succeeded(rc)) {
          const auto diagnostics = OdbcDiagnostics::read(current->connection);
          current->broken = true;  // its transaction mode is unknown: start afresh next time
          throw Error(ErrorCode::SourceUnavailable,
                      withState("'" + name + "' cannot switch autocommit", diagnostics.sqlstate),
                      diagnostics.text, diagnostics.sqlstate);
        }
      },
      "switching autocommit");
}

void OdbcClient::endTransaction(bool commit) {
  if (!session_) throw Error(ErrorCode::SourceUnavailable, "'" + name_ + "' lost its connection");
  const std::shared_ptr<Session> current = session_;
  bounded(
      current,
      [current, name = name_, commit] {
        const SQLRETURN rc =
            SQLEndTran(SQL_HANDLE_DBC, current->connection.get(),
                       static_cast<SQLSMALLINT>(commit ? SQL_COMMIT : SQL_ROLLBACK));
        if (!succeeded(rc)) {
          const auto diagnostics = OdbcDiagnostics::read(current->connection);
          if (isConnectionLostState(diagnostics.sqlstate)) current->broken = true;
          throw Error(ErrorCode::SourceUnavailable,
                      withState("'" + name + "' failed to " + (commit ? "commit" : "roll back"),
                                diagnostics.sqlstate),
                      diagnostics.text, diagnostics.sqlstate);
        }
      },
      commit ? "commit" : "rollback");
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
