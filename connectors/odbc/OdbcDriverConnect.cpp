#include "connectors/odbc/OdbcDriverConnect.h"

#include <sqlext.h>

#include <mutex>

namespace oncegate::odbc {

namespace {

// psqlODBC sets LC_CTYPE from the environment on every connect (setlocale(LC_CTYPE, "")) and
// then reads the name that setlocale returned. setlocale is not thread-safe: each call frees the
// name the previous one returned, which another connect may still be reading (AddressSanitizer
// saw it as a source's worker and the audit shipper connected together at startup). Nothing
// outside the driver can make that safe, so connects are made one at a time, process-wide. The
// cost: a database that does not answer holds other sources' new connections for up to its
// login timeout (docs/sources.md); open connections and queries are not held.
std::mutex connectMutex;

}  // namespace

SQLRETURN driverConnect(SQLHDBC connection, const std::string& connectionString,
                        std::chrono::seconds loginTimeout) {
  // ODBC passes the integer attribute through its pointer parameter.
  SQLSetConnectAttr(connection, SQL_ATTR_LOGIN_TIMEOUT,
                    reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(loginTimeout.count())), 0);
  std::string text = connectionString;  // the API takes it as writable
  SQLSMALLINT outLength = 0;
  std::lock_guard lock(connectMutex);
  return SQLDriverConnect(connection, nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                          static_cast<SQLSMALLINT>(text.size()), nullptr, 0, &outLength,
                          SQL_DRIVER_NOPROMPT);
}

}  // namespace oncegate::odbc
