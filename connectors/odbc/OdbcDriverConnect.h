#pragma once

// Private to connectors/odbc (ODBC headers; see OdbcHandle.h).
#include <sql.h>

#include <chrono>
#include <string>

namespace oncegate::odbc {

// The one way this project connects through the driver manager: SQLDriverConnect without a
// prompt, under `loginTimeout`, one connect at a time in the process (psqlODBC calls setlocale,
// which is not thread-safe: see the .cpp).
SQLRETURN driverConnect(SQLHDBC connection, const std::string& connectionString,
                        std::chrono::seconds loginTimeout);

}  // namespace oncegate::odbc
