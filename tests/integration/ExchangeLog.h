#pragma once

#include <string>

#include "HttpClient.h"

namespace oncegate::testing {

// Records each HTTP exchange of the integration tests (method, path, status, content type,
// headers, body and the test that made it) as one JSON line in a file of its own per process
// under $ONCEGATE_TEST_EXCHANGES, which CTest sets. tests/api/validate-exchanges.pl then checks
// every answer against api/openapi.json, so that the document and the code cannot drift.
// Without the variable (a test binary run by hand) nothing is recorded.
class ExchangeLog {
 public:
  // `request` is what was sent (its request line names method and path); `answer` what came back.
  // Interim (1xx) answers and no answer at all (status 0) are not recorded: nothing to validate.
  static void record(const std::string& request, const HttpResult& answer);
};

}  // namespace oncegate::testing
