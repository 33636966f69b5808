#include "gateway/http/NotFoundHandler.h"

#include "common/Error.h"
#include "gateway/http/ErrorResponse.h"
#include "gateway/http/RequestId.h"

namespace oncegate {

void NotFoundHandler::handle(HttpRequest /*request*/, Respond respond) {
  respond(errorResponse(Error(ErrorCode::NotFound, "no such endpoint on this listener"),
                        newRequestId()));
}

HttpResponse NotFoundHandler::refuse(const Error& error) {
  return errorResponse(error, newRequestId());
}

}  // namespace oncegate
