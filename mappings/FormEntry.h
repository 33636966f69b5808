#pragma once

#include <string>

namespace oncegate {

// One line of a form: a field the gateway fills, or one the applicant supplies themselves.
struct FormEntry {
  std::string field;
  bool suppliedByApplicant = false;  // not shared: need not be a field of the catalog
  // The certificate or document this shared field makes unnecessary (`replaces: 户口簿`), which the
  // sharing report counts as no longer asked of applicants (减材料); empty when none is named.
  std::string replaces;
  std::string location;
};

}  // namespace oncegate
