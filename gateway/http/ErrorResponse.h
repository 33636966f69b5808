#pragma once

#include <string_view>

#include "common/Error.h"
#include "gateway/http/HttpExchange.h"

namespace oncegate {

// The one way an error leaves the gateway: status httpStatusFor(code), body
// {"error":CODE,"message":TEXT,"request_id":ID}, and for an invalid configuration also
// "problems", one entry per problem the loader found, and "locations", the same problems in the
// same order as {origin, line, reason} (origin and line null when the problem names none). The
// error's detail (driver text, internal state) never reaches the body.
HttpResponse errorResponse(const Error& error, std::string_view requestId);

}  // namespace oncegate
