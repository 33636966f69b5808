#include "connectors/odbc/OdbcEnvironment.h"

#include "common/Error.h"

namespace oncegate::odbc {

OdbcEnvironment::OdbcEnvironment() : handle_(SQL_HANDLE_ENV, nullptr) {
  // The cast is how ODBC passes an integer attribute value through its pointer parameter.
  const SQLRETURN rc = SQLSetEnvAttr(handle_.get(), SQL_ATTR_ODBC_VERSION,
                                     reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
  if (!succeeded(rc)) {
    throw Error(ErrorCode::SourceUnavailable, "the ODBC driver manager refused ODBC version 3");
  }
}

std::shared_ptr<OdbcEnvironment> OdbcEnvironment::shared() {
  static const std::shared_ptr<OdbcEnvironment> environment(new OdbcEnvironment());
  return environment;
}

}  // namespace oncegate::odbc
