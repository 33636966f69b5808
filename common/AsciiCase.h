#pragma once

#include <string_view>

namespace oncegate {

// Whether `a` and `b` are equal when ASCII letters are compared without case: how databases
// compare unquoted column names and how ODBC compares connection string keys. Other bytes
// (UTF-8 text) must match exactly.
bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b);

}  // namespace oncegate
