#pragma once

// Private to connectors/odbc (includes the ODBC headers through OdbcHandle.h).
#include <string>
#include <vector>

#include "common/Value.h"
#include "connectors/odbc/OdbcError.h"
#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// Binds values as the input parameters of one statement, and keeps the buffers that ODBC reads
// during SQLExecute alive until the next bind.
class OdbcParameters {
 public:
  // Binds `params` to the `?` markers of `statement`, in order; throws `error(diagnostics)`.
  void bind(const OdbcHandle& statement, const std::vector<Value>& params,
            const OdbcErrorFactory& error);

 private:
  struct Slot {
    std::string text;
    SQLBIGINT number = 0;
    SQLCHAR bit = 0;
    SQLLEN indicator = 0;
  };
  std::vector<Slot> slots_;
};

}  // namespace oncegate::odbc
