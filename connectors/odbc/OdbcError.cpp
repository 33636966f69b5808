#include "connectors/odbc/OdbcError.h"

namespace oncegate::odbc {

namespace {
// More records than this are drivers repeating themselves; the first ones carry the cause.
constexpr SQLSMALLINT kMaxRecords = 8;
}  // namespace

OdbcDiagnostics OdbcDiagnostics::read(const OdbcHandle& handle) {
  OdbcDiagnostics out;
  for (SQLSMALLINT record = 1; record <= kMaxRecords; ++record) {
    SQLCHAR state[SQL_SQLSTATE_SIZE + 1] = {};
    SQLINTEGER native = 0;
    SQLCHAR message[SQL_MAX_MESSAGE_LENGTH] = {};
    SQLSMALLINT length = 0;
    const SQLRETURN rc = SQLGetDiagRec(handle.type(), handle.get(), record, state, &native, message,
                                       sizeof(message), &length);
    if (!succeeded(rc)) break;
    const std::string stateText(reinterpret_cast<const char*>(state));
    if (out.sqlstate.empty()) out.sqlstate = stateText;
    if (!out.text.empty()) out.text += "; ";
    out.text += "[" + stateText + "] (" + std::to_string(native) + ") " +
                std::string(reinterpret_cast<const char*>(message));
  }
  return out;
}

bool isTimeoutState(std::string_view sqlstate) {
  return sqlstate == "HYT00" || sqlstate == "HYT01" || sqlstate == "57014";
}

bool isSourceFailureState(std::string_view sqlstate) {
  return isTimeoutState(sqlstate) || isConnectionLostState(sqlstate) ||
         sqlstate.starts_with("HYT") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
         sqlstate.starts_with("58") || sqlstate.starts_with("XX");
}

bool isConnectionLostState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

Error queryError(std::string_view sourceId, const OdbcDiagnostics& diagnostics) {
  const std::string source(sourceId);
  if (isTimeoutState(diagnostics.sqlstate)) {
    return Error(ErrorCode::SourceTimeout, "source '" + source + "' did not answer in time",
                 diagnostics.text, diagnostics.sqlstate);
  }
  if (diagnostics.sqlstate == "22001") {
    return Error(ErrorCode::SourceUnavailable,
                 "source '" + source + "' returned a value longer than the gateway accepts",
                 diagnostics.text, diagnostics.sqlstate);
  }
  return Error(ErrorCode::SourceUnavailable, "source '" + source + "' failed the query",
               diagnostics.text, diagnostics.sqlstate);
}

}  // namespace oncegate::odbc
