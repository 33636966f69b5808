#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/Row.h"
#include "common/Value.h"

namespace oncegate::odbc {

// A synchronous ODBC connection for the control plane (the control store, admin tools), not the
// request path: runs any SQL with positional `?` parameters, returns every row, and wraps work
// in transactions. One connection, opened on construction and again after the server was lost.
// Not thread-safe: callers serialise their calls.
//
// Every failure is an Error: SourceUnavailable (SourceTimeout for timeouts) whose message names
// `name` and the SQLSTATE, whose detail holds the driver's text and the connection string with
// its password blanked, and whose sqlstate() is the driver's.
//
// Every call is bounded: statements get `statementTimeout` (PostgreSQL: the session's
// statement_timeout), and each call runs on a thread of its own that the caller waits for at
// most `statementTimeout` + kGiveUpAfter. Past that (a frozen database host, which no server-side
// timeout ends) the call throws SourceTimeout and its connection is abandoned to that thread,
// which closes it if its call ever returns; the next call connects afresh (inside a transaction,
// the rest of it fails: its work is lost anyway).
class OdbcClient {
 public:
  static constexpr std::chrono::seconds kDefaultStatementTimeout{10};
  static constexpr std::chrono::milliseconds kGiveUpAfter{2000};

  // Connects at once; `name` says what this is in messages ("control store").
  explicit OdbcClient(std::string connectionString, std::string name,
                      std::chrono::seconds statementTimeout = kDefaultStatementTimeout);
  ~OdbcClient();
  OdbcClient(const OdbcClient&) = delete;
  OdbcClient& operator=(const OdbcClient&) = delete;

  // Runs DDL or DML; returns the rows affected (0 when the driver does not say).
  std::int64_t execute(std::string_view sql, const std::vector<Value>& params = {});

  // Runs a query and returns all its rows, typed as for dataset queries.
  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params = {});

  // Runs `body` with autocommit off: commits when it returns, rolls back and rethrows when it
  // throws. A transaction inside `body` joins the outer one.
  void transaction(const std::function<void()>& body);

  // SQL_DBMS_NAME of the server: "SQLite", "PostgreSQL", ...
  const std::string& dbmsName() const { return dbmsName_; }

 private:
  struct Session;

  void connect();
  Session& session();
  std::vector<Row> run(std::string_view sql, const std::vector<Value>& params, bool wantRows,
                       std::int64_t* affected);
  // The statement itself, on the calling thread; touches nothing but its arguments.
  static std::vector<Row> runOn(Session& session, const std::string& name, std::string& text,
                                const std::vector<Value>& params, bool wantRows,
                                std::int64_t& affected);
  // Runs `work` on the session within the bound (see above); abandons the session past it.
  void bounded(const std::shared_ptr<Session>& session, std::function<void()> work,
               std::string_view what);
  void setAutocommit(bool on);
  void endTransaction(bool commit);

  std::string connectionString_;
  std::string name_;
  std::chrono::seconds statementTimeout_;
  std::string dbmsName_;
  std::shared_ptr<Session> session_;
  bool inTransaction_ = false;
};

}  // namespace oncegate::odbc
