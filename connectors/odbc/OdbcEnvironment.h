#pragma once

#include <memory>

#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// The process's one ODBC 3 environment. Connections hold a shared_ptr to it, so it outlives
// every connection even when sources are destroyed during static destruction.
class OdbcEnvironment {
 public:
  static std::shared_ptr<OdbcEnvironment> shared();

  SQLHENV get() const { return handle_.get(); }

 private:
  OdbcEnvironment();

  OdbcHandle handle_;
};

}  // namespace oncegate::odbc
