#pragma once

#include <string>

namespace oncegate {

// One line of a form: a field the gateway fills, or one the applicant supplies themselves.
struct FormEntry {
  std::string field;
  bool suppliedByApplicant = false;  // not shared: need not be a field of the catalog
  std::string location;
};

}  // namespace oncegate
