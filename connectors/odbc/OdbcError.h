#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/Error.h"
#include "connectors/odbc/OdbcHandle.h"

namespace oncegate::odbc {

// The diagnostic records of a failed ODBC call: the first SQLSTATE and all the driver's text.
struct OdbcDiagnostics {
  std::string sqlstate;  // of the first record; empty when the driver gave none
  std::string text;      // every record as "[SQLSTATE] (native) message", joined by "; "

  // Reads the diagnostic records that `handle` holds after a failed call.
  static OdbcDiagnostics read(const OdbcHandle& handle);
};

// Turns a failed call's diagnostics into the caller's error, in the caller's words (a source's
// query, the control store's statement): code shared by both takes one of these.
using OdbcErrorFactory = std::function<Error(const OdbcDiagnostics&)>;

// True for SQLSTATEs that mean the query ran out of time (HYT00, HYT01, PostgreSQL's 57014).
bool isTimeoutState(std::string_view sqlstate);

// True for SQLSTATEs after which a connection cannot be used again: class 08 (connection
// exception) and the server going away (57P01..57P03).
bool isConnectionLostState(std::string_view sqlstate);

// True for SQLSTATEs that say the database itself is failing, not one query's data: timeouts
// and cancels (HYT*, 57*), lost connections (08*), insufficient resources (53*), system and
// internal errors (58*, XX*). Data errors (21 cardinality, 22 data, 23 constraint, 42 syntax or
// access, 07 dynamic SQL) are not: they concern one subject or one dataset's SQL, and must not
// open the source's breaker for everyone.
bool isSourceFailureState(std::string_view sqlstate);

// Turns the diagnostics of a failed query into the project's error: SourceTimeout for timeouts,
// SourceUnavailable otherwise; a client-safe message naming the source; driver text as detail.
Error queryError(std::string_view sourceId, const OdbcDiagnostics& diagnostics);

}  // namespace oncegate::odbc
