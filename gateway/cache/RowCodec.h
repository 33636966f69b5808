#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/Row.h"

namespace oncegate {

// How a dataset lookup result is stored in the cache: a compact, length-prefixed binary form
// with a version byte. nullopt stands for "the source has no row" (a cached not_found).
std::string encodeCachedRow(const std::optional<Row>& row);

// The inverse of encodeCachedRow. The outer nullopt means the bytes are corrupt or of an
// unknown version: callers treat that as a miss and query the source.
std::optional<std::optional<Row>> decodeCachedRow(std::string_view bytes);

}  // namespace oncegate
