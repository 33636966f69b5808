#include "gateway/service/FieldStatus.h"

namespace oncegate {

std::string_view fieldStatusName(FieldStatus status) {
  switch (status) {
    case FieldStatus::Ok:
      return "ok";
    case FieldStatus::NotFound:
      return "not_found";
    case FieldStatus::Denied:
      return "denied";
    case FieldStatus::VerifyOnly:
      return "verify_only";
    case FieldStatus::UnknownField:
      return "unknown_field";
    case FieldStatus::Unavailable:
      return "unavailable";
    case FieldStatus::Limited:
      return "limited";
    case FieldStatus::Refused:
      return "refused";
  }
  return "unavailable";
}

}  // namespace oncegate
