#pragma once

#include <string>
#include <string_view>

namespace oncegate {

// How the central audit record indexes a subject without holding its identifier in clear: an
// HMAC-SHA256 of the subject type and key value, keyed by a subkey of gateway.yaml's `hash_key`
// (which every instance sharing Redis shares already). An auditor's search for an ID number
// hashes what was typed the same way. The subkey's label keeps these hashes apart from the cache
// keys made with the same hash_key.
std::string subjectIndexHash(std::string_view hashKey, std::string_view type,
                             std::string_view keyValue);

}  // namespace oncegate
