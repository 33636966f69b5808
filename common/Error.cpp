#include "common/Error.h"

#include <utility>

namespace oncegate {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidConfig:
      return "invalid_config";
    case ErrorCode::BadRequest:
      return "bad_request";
    case ErrorCode::Unauthenticated:
      return "unauthenticated";
    case ErrorCode::Forbidden:
      return "forbidden";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::MethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::Conflict:
      return "conflict";
    case ErrorCode::PayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::HeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::RateLimited:
      return "rate_limited";
    case ErrorCode::Overloaded:
      return "overloaded";
    case ErrorCode::SourceUnavailable:
      return "source_unavailable";
    case ErrorCode::SourceTimeout:
      return "source_timeout";
    case ErrorCode::CacheUnavailable:
      return "cache_unavailable";
    case ErrorCode::Internal:
      return "internal";
  }
  return "internal";
}

Error::Error(ErrorCode code, std::string message, std::string detail, std::string sqlstate)
    : std::runtime_error(message),
      code_(code),
      message_(std::move(message)),
      detail_(std::move(detail)),
      sqlstate_(std::move(sqlstate)) {}

}  // namespace oncegate
