#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace oncegate {

// What went wrong, in terms a caller can act on. gateway/http/HttpStatusMapping is the one table
// that turns a code into an HTTP status, and gateway/http/ErrorResponse the one function that
// renders an error for a client; nothing else decides statuses or writes error bodies.
enum class ErrorCode {
  InvalidConfig,      // a configuration document is wrong (the message names file, line, reason)
  BadRequest,         // malformed body or invalid subject
  Unauthenticated,    // no or unknown credentials
  Forbidden,          // authenticated, but not allowed (purpose, role, missing case number)
  NotFound,           // unknown route, form or resource
  MethodNotAllowed,   // route exists, method does not
  Conflict,           // the resource changed since the call was prepared (a stale pending change)
  PayloadTooLarge,    // body above limits.max_body
  HeadersTooLarge,    // request line and headers above the server's header limit
  RateLimited,        // too many requests
  Overloaded,         // shutting down or out of capacity
  SourceUnavailable,  // a department database cannot be reached or failed the query
  SourceTimeout,      // a department database did not answer within its timeout
  CacheUnavailable,   // Redis is down or slow; callers fall back to the source
  Internal,           // a bug: the detail goes to the log, never to the client
};

// The stable snake_case name of a code, used in JSON error bodies ("bad_request").
std::string_view errorCodeName(ErrorCode code);

// The project's exception and error value. `message` is safe to show a client or a DBA;
// `detail` (driver text, internal state) goes to the log only. `sqlstate` is kept for ODBC errors.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string detail = {}, std::string sqlstate = {});

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& detail() const { return detail_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  ErrorCode code_;
  std::string message_;
  std::string detail_;
  std::string sqlstate_;
};

}  // namespace oncegate
