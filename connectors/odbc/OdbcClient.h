#pragma once

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
class OdbcClient {
 public:
  // Connects at once; `name` says what this is in messages ("control store").
  explicit OdbcClient(std::string connectionString, std::string name);
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
  void setAutocommit(bool on);
  void endTransaction(bool commit);

  std::string connectionString_;
  std::string name_;
  std::string dbmsName_;
  std::unique_ptr<Session> session_;
  bool inTransaction_ = false;
};

}  // namespace oncegate::odbc
