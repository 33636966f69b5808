#pragma once

#include <string_view>

#include "common/SqlDialect.h"

namespace oncegate::odbc {

// The SQL dialect of the database an ODBC connection string reaches, known from the driver it
// names before any connection is made (datasets are read at load, when a database may be down):
// the DRIVER= value, or for a DSN= the driver the driver manager's odbc.ini gives that data
// source, together with that driver's library as odbcinst.ini registers it. Anything unknown
// (no driver found, another database) is SqlDialect::Standard.
SqlDialect odbcDialect(std::string_view connection);

// The dialect a driver's name or library path stands for: SqlDialect::MySql for MariaDB's and
// MySQL's Connector/ODBC ("MariaDB Unicode", "MySQL ODBC 8.0 Unicode Driver", libmaodbc.so,
// libmyodbc8w.so), whatever the case.
SqlDialect dialectOfDriver(std::string_view driver);

}  // namespace oncegate::odbc
