#include "connectors/odbc/OdbcCancellation.h"

namespace oncegate::odbc {

void OdbcCancellation::publish(SQLHSTMT statement, std::uint64_t call) {
  std::lock_guard lock(mutex_);
  statement_ = statement;
  call_ = call;
}

void OdbcCancellation::withdraw() {
  std::lock_guard lock(mutex_);
  statement_ = nullptr;
}

bool OdbcCancellation::cancel(std::uint64_t call) {
  std::lock_guard lock(mutex_);
  if (statement_ == nullptr || call_ != call) return false;
  // psqlODBC sends the cancel request on a connection of its own to the postmaster, which
  // answers even while the statement's backend does not.
  return succeeded(SQLCancel(statement_));
}

}  // namespace oncegate::odbc
