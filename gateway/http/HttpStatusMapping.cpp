#include "gateway/http/HttpStatusMapping.h"

namespace oncegate {

unsigned httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest:
      return 400;
    case ErrorCode::Unauthenticated:
      return 401;
    case ErrorCode::Forbidden:
      return 403;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::MethodNotAllowed:
      return 405;
    case ErrorCode::Conflict:
      return 409;
    case ErrorCode::PayloadTooLarge:
      return 413;
    case ErrorCode::HeadersTooLarge:
      return 431;
    case ErrorCode::InvalidConfig:
      return 422;
    case ErrorCode::RateLimited:
      return 429;
    case ErrorCode::Overloaded:
    case ErrorCode::SourceUnavailable:
    case ErrorCode::SourceTimeout:
    case ErrorCode::CacheUnavailable:
      return 503;
    case ErrorCode::Internal:
      return 500;
  }
  return 500;
}

}  // namespace oncegate
