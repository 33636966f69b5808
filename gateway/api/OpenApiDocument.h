#pragma once

#include <string_view>

namespace oncegate {

// api/openapi.json as it was when the gateway was built (GET /openapi.json): the binary answers
// the description of the API it serves, wherever it runs.
std::string_view openApiDocument();

}  // namespace oncegate
