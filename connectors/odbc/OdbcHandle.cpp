#include "connectors/odbc/OdbcHandle.h"

#include "common/Error.h"

namespace oncegate::odbc {

OdbcHandle::OdbcHandle(SQLSMALLINT type, SQLHANDLE parent) : type_(type) {
  if (!succeeded(SQLAllocHandle(type, parent, &handle_))) {
    handle_ = nullptr;
    throw Error(ErrorCode::SourceUnavailable, "the ODBC driver manager could not allocate a handle",
                "SQLAllocHandle failed for handle type " + std::to_string(type));
  }
}

void OdbcHandle::reset() {
  if (handle_ != nullptr) {
    SQLFreeHandle(type_, handle_);
    handle_ = nullptr;
  }
}

}  // namespace oncegate::odbc
