#pragma once

// Private to connectors/odbc (includes the ODBC headers through OdbcHandle.h).
#include <cstdint>
#include <mutex>

#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// The statement one worker is executing, published so that another thread (the source's
// watchdog) may SQLCancel it. The worker withdraws it before the statement can be freed, and a
// cancel holds the lock for the SQLCancel call, so a cancel never reaches a freed handle. Each
// publication carries the number of the call it belongs to, so that a cancel meant for a call
// that has already returned never hits the worker's next one.
class OdbcCancellation {
 public:
  void publish(SQLHSTMT statement, std::uint64_t call);
  void withdraw();
  // SQLCancel on the statement of `call` if it is still published; true when one was sent.
  bool cancel(std::uint64_t call);

 private:
  std::mutex mutex_;
  SQLHSTMT statement_ = nullptr;
  std::uint64_t call_ = 0;
};

}  // namespace oncegate::odbc
